using System.Globalization;

namespace FedFace.Evaluation.Plotting;

/// <summary>One curve: points joined in order.</summary>
public sealed record PlotSeries(string Name, IReadOnlyList<(double X, double Y)> Points);

/// <summary>
/// How a plot looks. Axis ranges left null are fitted to the data (a logarithmic x axis to whole decades, from
/// the smallest positive x). Labels use the built-in capitals-only font.
/// </summary>
public sealed record PlotOptions
{
    public int Width { get; init; } = 640;
    public int Height { get; init; } = 480;
    public string Title { get; init; } = "";
    public string XLabel { get; init; } = "";
    public string YLabel { get; init; } = "";
    public bool LogX { get; init; }
    public (double Min, double Max)? XRange { get; init; }
    public (double Min, double Max)? YRange { get; init; }
}

/// <summary>
/// Rasterises line plots: axes with ticks, tick labels and light grid lines, one coloured 2-pixel curve per
/// series, a legend of the series names, optional title and axis labels. A point outside the axis ranges (on a
/// log axis: also x ≤ 0) is drawn on the nearest edge, so a ROC's FAR = 0 start sits on the left border.
/// </summary>
public static class LinePlot
{
    private const int LeftMargin = 64, RightMargin = 16, TopMargin = 28, BottomMargin = 44, TickLength = 4;

    /// <summary>Curve colours, in series order (then repeated).</summary>
    public static IReadOnlyList<Rgb> Palette { get; } =
        [new(31, 119, 180), new(214, 39, 40), new(44, 160, 44), new(255, 127, 14), new(148, 103, 189), new(23, 190, 207)];

    private static readonly Rgb Grid = new(225, 225, 225);

    public static RgbImage Render(PlotOptions options, IReadOnlyList<PlotSeries> series)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(series);
        if (options.Width < LeftMargin + RightMargin + 40 || options.Height < TopMargin + BottomMargin + 40)
        {
            throw new ArgumentException($"a {options.Width}×{options.Height} plot leaves no room to draw in");
        }
        var image = new RgbImage(options.Width, options.Height, Rgb.White);
        var x = new Axis(options.XRange ?? FitX(series, options.LogX), options.LogX, LeftMargin, options.Width - RightMargin);
        var y = new Axis(options.YRange ?? FitY(series), log: false, options.Height - BottomMargin, TopMargin);

        foreach ((double value, string label) in x.Ticks())
        {
            int px = x.ToPixel(value);
            image.DrawLine(px, y.FirstPixel, px, y.LastPixel, Grid);
            image.DrawLine(px, y.FirstPixel, px, y.FirstPixel + TickLength, Rgb.Black);
            image.DrawText(px - BitmapFont.Width(label, 1) / 2, y.FirstPixel + TickLength + 3, label, Rgb.Black);
        }
        foreach ((double value, string label) in y.Ticks())
        {
            int py = y.ToPixel(value);
            image.DrawLine(x.FirstPixel, py, x.LastPixel, py, Grid);
            image.DrawLine(x.FirstPixel - TickLength, py, x.FirstPixel, py, Rgb.Black);
            image.DrawText(x.FirstPixel - TickLength - 3 - BitmapFont.Width(label, 1), py - BitmapFont.GlyphHeight / 2, label, Rgb.Black);
        }
        image.DrawLine(x.FirstPixel, y.FirstPixel, x.LastPixel, y.FirstPixel, Rgb.Black);
        image.DrawLine(x.FirstPixel, y.FirstPixel, x.FirstPixel, y.LastPixel, Rgb.Black);

        for (int s = 0; s < series.Count; s++)
        {
            Rgb colour = Palette[s % Palette.Count];
            IReadOnlyList<(double X, double Y)> points = series[s].Points;
            for (int i = 0; i < points.Count; i++)
            {
                int px = x.ToPixel(points[i].X), py = y.ToPixel(points[i].Y);
                int fromX = i == 0 ? px : x.ToPixel(points[i - 1].X), fromY = i == 0 ? py : y.ToPixel(points[i - 1].Y);
                image.DrawLine(fromX, fromY, px, py, colour, thickness: 2);
            }
        }

        DrawLegend(image, series, x.LastPixel, y.FirstPixel);
        image.DrawText((options.Width - BitmapFont.Width(options.Title, 2)) / 2, 6, options.Title, Rgb.Black, scale: 2);
        image.DrawText((x.FirstPixel + x.LastPixel - BitmapFont.Width(options.XLabel, 1)) / 2, options.Height - 14, options.XLabel, Rgb.Black);
        image.DrawTextUpwards(6, (y.FirstPixel + y.LastPixel + BitmapFont.Width(options.YLabel, 1)) / 2, options.YLabel, Rgb.Black);
        return image;
    }

    /// <summary>Series names with colour swatches, in the bottom-right corner of the plot area (where ROC curves are not).</summary>
    private static void DrawLegend(RgbImage image, IReadOnlyList<PlotSeries> series, int right, int bottom)
    {
        const int LineHeight = 12, Swatch = 14;
        int width = series.Select(s => BitmapFont.Width(s.Name, 1)).DefaultIfEmpty(0).Max() + Swatch + 10;
        for (int s = 0; s < series.Count; s++)
        {
            int top = bottom - 8 - (series.Count - s) * LineHeight;
            int left = right - 8 - width;
            image.FillRectangle(left, top + 2, Swatch, 3, Palette[s % Palette.Count]);
            image.DrawText(left + Swatch + 4, top, series[s].Name, Rgb.Black);
        }
    }

    private static (double, double) FitX(IReadOnlyList<PlotSeries> series, bool log)
    {
        double[] xs = series.SelectMany(s => s.Points).Select(p => p.X).Where(v => double.IsFinite(v) && (!log || v > 0)).ToArray();
        if (xs.Length == 0)
        {
            return log ? (1e-3, 1) : (0, 1);
        }
        if (!log)
        {
            return Widen(xs.Min(), xs.Max());
        }
        double lowest = Math.Pow(10, Math.Floor(Math.Log10(xs.Min()))), highest = Math.Pow(10, Math.Ceiling(Math.Log10(xs.Max())));
        // Values on one power of ten (a ROC whose only non-zero FAR is 1) still get a decade to stand in.
        return lowest < highest ? (lowest, highest) : (lowest / 10, highest);
    }

    private static (double, double) FitY(IReadOnlyList<PlotSeries> series)
    {
        double[] ys = series.SelectMany(s => s.Points).Select(p => p.Y).Where(double.IsFinite).ToArray();
        return ys.Length == 0 ? (0, 1) : Widen(ys.Min(), ys.Max());
    }

    private static (double, double) Widen(double min, double max) => min < max ? (min, max) : (min - 0.5, max + 0.5);

    /// <summary>Maps values to pixels along one axis, linear or log10, clamping values to the range.</summary>
    private sealed class Axis
    {
        private readonly double _min, _max;
        private readonly bool _log;

        public Axis((double Min, double Max) range, bool log, int firstPixel, int lastPixel)
        {
            if (!(range.Min < range.Max) || (log && range.Min <= 0))
            {
                throw new ArgumentException($"axis range [{range.Min}, {range.Max}] is empty{(log ? " or not positive (log axis)" : "")}");
            }
            (_min, _max, _log) = log ? (Math.Log10(range.Min), Math.Log10(range.Max), true) : (range.Min, range.Max, false);
            FirstPixel = firstPixel;
            LastPixel = lastPixel;
        }

        public int FirstPixel { get; }
        public int LastPixel { get; }

        public int ToPixel(double value)
        {
            double scaled = _log ? (value > 0 ? Math.Log10(value) : double.NegativeInfinity) : value;
            double fraction = Math.Clamp(double.IsNaN(scaled) ? 0 : (scaled - _min) / (_max - _min), 0, 1);
            return (int)Math.Round(FirstPixel + fraction * (LastPixel - FirstPixel));
        }

        /// <summary>Log axis: every whole decade, labelled 1E-3 style. Linear: 1, 2 or 5 × 10ⁿ steps, about five of them.</summary>
        public IEnumerable<(double Value, string Label)> Ticks()
        {
            if (_log)
            {
                for (int exponent = (int)Math.Ceiling(_min - 1e-9); exponent <= _max + 1e-9; exponent++)
                {
                    yield return (Math.Pow(10, exponent), exponent == 0 ? "1" : $"1E{exponent}");
                }
                yield break;
            }
            double rough = (_max - _min) / 5;
            double magnitude = Math.Pow(10, Math.Floor(Math.Log10(rough)));
            double step = new[] { 1.0, 2, 5, 10 }.Select(m => m * magnitude).First(s => s >= rough);
            int decimals = Math.Max(0, -(int)Math.Floor(Math.Log10(step) + 1e-9));
            // Whole multiples of the step (0 is exactly 0, never "-0.0").
            for (long multiple = (long)Math.Ceiling(_min / step - 1e-9); multiple * step <= _max + step * 1e-9; multiple++)
            {
                double tick = multiple * step;
                yield return (tick, tick.ToString("F" + decimals, CultureInfo.InvariantCulture));
            }
        }
    }
}
