using System.Globalization;
using System.Text;

namespace DrainFunctions.Simulation;

/// <summary>
/// The parallel sweep's chart: three panels against K (phases per wall-clock hour, successes per
/// wall-clock hour, wasted executor-minutes), one polyline per policy. Panels, not one plot: the
/// three figures have different units.
/// </summary>
public static class ParallelSweepChart
{
    private const double PanelWidth = 260, PanelHeight = 260, Gap = 60, Left = 60, Top = 56, Bottom = 50, LegendWidth = 150;

    public static string Render(IReadOnlyList<ParallelSweepRow> rows)
    {
        ArgumentNullException.ThrowIfNull(rows);
        var policies = rows.Select(r => r.Policy).Distinct(StringComparer.Ordinal).ToList();
        var slots = rows.Select(r => r.Slots).Distinct().Order().ToList();
        (string Title, Func<ParallelSweepRow, double> Value)[] panels =
        [
            ("phases per hour (wall clock)", r => r.PhasesPerHour),
            ("successes per hour (wall clock)", r => r.SuccessesPerHour),
            ("wasted executor-minutes", r => r.Metrics.WastedMinutes),
        ];
        var width = Left + (panels.Length * (PanelWidth + Gap)) + LegendWidth;
        var height = Top + PanelHeight + Bottom;

        var sb = new StringBuilder();
        sb.AppendLine(Inv($"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{width}\" height=\"{height}\" viewBox=\"0 0 {width} {height}\" font-family=\"sans-serif\" font-size=\"12\">"));
        sb.AppendLine(Inv($"  <rect x=\"0\" y=\"0\" width=\"{width}\" height=\"{height}\" fill=\"white\"/>"));
        sb.AppendLine(Inv($"  <text x=\"{SvgChart.F(Left)}\" y=\"22\" font-size=\"15\">Parallel slots: one drain per K (K = {string.Join(", ", slots)})</text>"));
        for (var p = 0; p < panels.Length; p++)
        {
            Panel(sb, Left + (p * (PanelWidth + Gap)), panels[p].Title, rows, policies, slots, panels[p].Value);
        }

        sb.AppendLine("  <g class=\"legend\">");
        for (var i = 0; i < policies.Count; i++)
        {
            var x = Left + (panels.Length * (PanelWidth + Gap));
            var y = Top + 10 + (i * 20);
            sb.AppendLine(Inv($"    <line x1=\"{SvgChart.F(x)}\" y1=\"{SvgChart.F(y)}\" x2=\"{SvgChart.F(x + 24)}\" y2=\"{SvgChart.F(y)}\" stroke=\"{Color(i)}\" stroke-width=\"3\"/>"));
            sb.AppendLine(Inv($"    <text x=\"{SvgChart.F(x + 30)}\" y=\"{SvgChart.F(y)}\" dominant-baseline=\"middle\">{SvgChart.Escape(policies[i])}</text>"));
        }

        sb.AppendLine("  </g>");
        sb.AppendLine("</svg>");
        return sb.ToString();
    }

    /// <summary>One panel: K evenly spaced on the x axis (1, 2, 4, 8 are doublings), the figure from 0 up.</summary>
    private static void Panel(StringBuilder sb, double left, string title, IReadOnlyList<ParallelSweepRow> rows, List<string> policies, List<int> slots, Func<ParallelSweepRow, double> value)
    {
        var maxY = SvgChart.NiceCeiling(Math.Max(1, rows.Select(value).DefaultIfEmpty(1).Max()));
        string X(int k) => SvgChart.F(left + (slots.Count == 1 ? PanelWidth / 2 : slots.IndexOf(k) * PanelWidth / (slots.Count - 1)));
        string Y(double v) => SvgChart.F(Top + PanelHeight - (v / maxY * PanelHeight));
        var bottom = SvgChart.F(Top + PanelHeight);

        sb.AppendLine(Inv($"  <g class=\"panel\" data-figure=\"{SvgChart.Escape(title)}\">"));
        sb.AppendLine(Inv($"    <text x=\"{SvgChart.F(left)}\" y=\"{SvgChart.F(Top - 14)}\">{SvgChart.Escape(title)}</text>"));
        sb.AppendLine(Inv($"    <line x1=\"{SvgChart.F(left)}\" y1=\"{bottom}\" x2=\"{SvgChart.F(left + PanelWidth)}\" y2=\"{bottom}\" stroke=\"#333\"/>"));
        sb.AppendLine(Inv($"    <line x1=\"{SvgChart.F(left)}\" y1=\"{SvgChart.F(Top)}\" x2=\"{SvgChart.F(left)}\" y2=\"{bottom}\" stroke=\"#333\"/>"));
        foreach (var k in slots)
        {
            sb.AppendLine(Inv($"    <text x=\"{X(k)}\" y=\"{SvgChart.F(Top + PanelHeight + 18)}\" text-anchor=\"middle\">{k}</text>"));
        }

        for (var i = 0; i <= 4; i++)
        {
            var v = maxY * i / 4;
            sb.AppendLine(Inv($"    <text x=\"{SvgChart.F(left - 6)}\" y=\"{Y(v)}\" text-anchor=\"end\" dominant-baseline=\"middle\">{v:0.#}</text>"));
        }

        sb.AppendLine(Inv($"    <text x=\"{SvgChart.F(left + (PanelWidth / 2))}\" y=\"{SvgChart.F(Top + PanelHeight + 38)}\" text-anchor=\"middle\">K (slots)</text>"));
        for (var i = 0; i < policies.Count; i++)
        {
            var points = rows.Where(r => r.Policy == policies[i]).OrderBy(r => r.Slots).Select(r => X(r.Slots) + "," + Y(value(r)));
            sb.AppendLine(Inv($"    <polyline data-policy=\"{SvgChart.Escape(policies[i])}\" fill=\"none\" stroke=\"{Color(i)}\" stroke-width=\"2\" points=\"{string.Join(" ", points)}\"/>"));
        }

        sb.AppendLine("  </g>");
    }

    private static string Color(int i) => SvgChart.Colors[i % SvgChart.Colors.Length];

    private static string Inv(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);
}
