using System.Globalization;
using System.Security;
using System.Text;

namespace DrainFunctions.Simulation;

/// <summary>The chart: cumulative successes against executor-minutes, one polyline per policy.</summary>
public static class SvgChart
{
    internal static readonly string[] Colors = ["#d62728", "#1f77b4", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#17becf"];

    public static string Render(IReadOnlyList<PolicyRunReport> series, string title)
    {
        ArgumentNullException.ThrowIfNull(series);
        const double width = 800, height = 480, left = 70, right = 200, top = 40, bottom = 60;
        var plotW = width - left - right;
        var plotH = height - top - bottom;
        var curves = series.Select(s => (s.Label, Points: s.CumulativeSuccesses())).ToList();
        var maxX = NiceCeiling(Math.Max(1, curves.SelectMany(c => c.Points).Select(p => p.Minutes).DefaultIfEmpty(1).Max()));
        var maxY = NiceCeiling(Math.Max(1, curves.SelectMany(c => c.Points).Select(p => (double)p.Successes).DefaultIfEmpty(1).Max()));
        string X(double v) => F(left + (v / maxX * plotW));
        string Y(double v) => F(top + plotH - (v / maxY * plotH));

        var sb = new StringBuilder();
        sb.AppendLine(Inv($"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{width}\" height=\"{height}\" viewBox=\"0 0 {width} {height}\" font-family=\"sans-serif\" font-size=\"12\">"));
        sb.AppendLine(Inv($"  <rect x=\"0\" y=\"0\" width=\"{width}\" height=\"{height}\" fill=\"white\"/>"));
        sb.AppendLine(Inv($"  <text x=\"{F(left)}\" y=\"24\" font-size=\"15\">{Escape(title)}</text>"));
        sb.AppendLine("  <g class=\"axes\" stroke=\"#333\" stroke-width=\"1\">");
        sb.AppendLine(Inv($"    <line x1=\"{F(left)}\" y1=\"{F(top + plotH)}\" x2=\"{F(left + plotW)}\" y2=\"{F(top + plotH)}\"/>"));
        sb.AppendLine(Inv($"    <line x1=\"{F(left)}\" y1=\"{F(top)}\" x2=\"{F(left)}\" y2=\"{F(top + plotH)}\"/>"));
        sb.AppendLine("  </g>");
        sb.AppendLine("  <g class=\"ticks\" fill=\"#333\">");
        for (var i = 0; i <= 5; i++)
        {
            var vx = maxX * i / 5;
            var vy = maxY * i / 5;
            sb.AppendLine(Inv($"    <line x1=\"{X(vx)}\" y1=\"{F(top + plotH)}\" x2=\"{X(vx)}\" y2=\"{F(top + plotH + 5)}\" stroke=\"#333\"/>"));
            sb.AppendLine(Inv($"    <text x=\"{X(vx)}\" y=\"{F(top + plotH + 18)}\" text-anchor=\"middle\">{vx:0.#}</text>"));
            sb.AppendLine(Inv($"    <line x1=\"{F(left - 5)}\" y1=\"{Y(vy)}\" x2=\"{F(left)}\" y2=\"{Y(vy)}\" stroke=\"#333\"/>"));
            sb.AppendLine(Inv($"    <text x=\"{F(left - 8)}\" y=\"{Y(vy)}\" text-anchor=\"end\" dominant-baseline=\"middle\">{vy:0.#}</text>"));
        }

        sb.AppendLine("  </g>");
        sb.AppendLine(Inv($"  <text x=\"{F(left + (plotW / 2))}\" y=\"{F(height - 15)}\" text-anchor=\"middle\">executor-minutes</text>"));
        sb.AppendLine(Inv($"  <text x=\"18\" y=\"{F(top + (plotH / 2))}\" text-anchor=\"middle\" transform=\"rotate(-90 18 {F(top + (plotH / 2))})\">cumulative successes</text>"));
        for (var i = 0; i < curves.Count; i++)
        {
            var color = Colors[i % Colors.Length];
            var pts = string.Join(" ", curves[i].Points.Select(p => X(p.Minutes) + "," + Y(p.Successes)));
            sb.AppendLine(Inv($"  <polyline data-policy=\"{Escape(curves[i].Label)}\" fill=\"none\" stroke=\"{color}\" stroke-width=\"2\" points=\"{pts}\"/>"));
        }

        sb.AppendLine("  <g class=\"legend\">");
        for (var i = 0; i < curves.Count; i++)
        {
            var y = top + 10 + (i * 20);
            var x = left + plotW + 20;
            sb.AppendLine(Inv($"    <line x1=\"{F(x)}\" y1=\"{F(y)}\" x2=\"{F(x + 24)}\" y2=\"{F(y)}\" stroke=\"{Colors[i % Colors.Length]}\" stroke-width=\"3\"/>"));
            sb.AppendLine(Inv($"    <text x=\"{F(x + 30)}\" y=\"{F(y)}\" dominant-baseline=\"middle\">{Escape(curves[i].Label)}</text>"));
        }

        sb.AppendLine("  </g>");
        sb.AppendLine("</svg>");
        return sb.ToString();
    }

    internal static double NiceCeiling(double value)
    {
        var magnitude = Math.Pow(10, Math.Floor(Math.Log10(value)));
        foreach (var step in new[] { 1.0, 2.0, 2.5, 5.0, 10.0 })
        {
            if (step * magnitude >= value)
            {
                return step * magnitude;
            }
        }

        return 10 * magnitude;
    }

    internal static string F(double v) => v.ToString("0.##", CultureInfo.InvariantCulture);

    internal static string Escape(string text) => SecurityElement.Escape(text) ?? string.Empty;

    private static string Inv(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);
}
