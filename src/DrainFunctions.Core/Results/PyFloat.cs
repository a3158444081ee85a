using System.Globalization;
using System.Numerics;

namespace DrainFunctions.Core.Results;

/// <summary>
/// Python's float rounding and fixed-point formatting: both round the exact binary value, ties to
/// even. .NET's Math.Round scales first and its "F" format rounds ties away from zero, which gives
/// different digits for values such as 0.125 or 2.675.
/// </summary>
public static class PyFloat
{
    /// <summary>Python's <c>round(value, digits)</c> for 0 &lt;= digits &lt;= 15.</summary>
    public static double Round(double value, int digits)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(digits);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(digits, 15);
        if (double.IsNaN(value) || double.IsInfinity(value) || value == 0)
        {
            return value;
        }

        var negative = value < 0;
        var bits = BitConverter.DoubleToInt64Bits(Math.Abs(value));
        var exponent = (int)((bits >> 52) & 0x7FF);
        var mantissa = bits & 0xFFFFFFFFFFFFFL;
        if (exponent == 0)
        {
            exponent = 1;
        }
        else
        {
            mantissa |= 1L << 52;
        }

        exponent -= 1075;
        var scaled = new BigInteger(mantissa) * BigInteger.Pow(10, digits);
        BigInteger quotient;
        if (exponent >= 0)
        {
            quotient = scaled << exponent;
        }
        else
        {
            var denominator = BigInteger.One << -exponent;
            quotient = BigInteger.DivRem(scaled, denominator, out var remainder);
            var twice = remainder * 2;
            if (twice > denominator || (twice == denominator && !quotient.IsEven))
            {
                quotient += 1;
            }
        }

        var result = (double)quotient / Math.Pow(10, digits);
        return negative ? -result : result;
    }

    /// <summary>Python's <c>f"{value:.{digits}f}"</c>.</summary>
    public static string FormatFixed(double value, int digits) =>
        Round(value, digits).ToString("F" + digits.ToString(CultureInfo.InvariantCulture), CultureInfo.InvariantCulture);
}
