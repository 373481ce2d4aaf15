using FedFace.Evaluation.Plotting;

namespace FedFace.Evaluation.Tests.Plotting;

public sealed class LinePlotTests
{
    // The plot area of a default 640×480 plot: x from pixel 64 to 624, y from 436 (bottom) up to 28.
    private const int Left = 64, Right = 624, Bottom = 436, Top = 28;

    [Fact]
    public void Draws_axes_and_a_diagonal_curve_where_the_data_puts_it()
    {
        var options = new PlotOptions { XRange = (0, 1), YRange = (0, 1), Title = "TEST", XLabel = "X", YLabel = "Y" };

        RgbImage image = LinePlot.Render(options, [new PlotSeries("diagonal", [(0, 0), (1, 1)])]);

        Assert.Equal((640, 480), (image.Width, image.Height));
        Assert.Equal(Rgb.Black, image[Left, (Top + Bottom) / 2]); // y axis
        Assert.Equal(Rgb.Black, image[(Left + Right) / 2, Bottom]); // x axis
        Assert.Equal(LinePlot.Palette[0], image[(Left + Right) / 2, (Top + Bottom) / 2]); // the curve's middle
        Assert.Equal(Rgb.White, image[Left + 5, Top + 5]); // the empty top-left corner of the plot area
        Assert.Equal(Rgb.White, image[639, 479]);
    }

    [Fact]
    public void A_log_x_axis_puts_each_decade_at_equal_spacing_and_zero_on_the_left_edge()
    {
        var options = new PlotOptions { LogX = true, XRange = (1e-4, 1), YRange = (0, 1) };
        // A vertical line at x = 1e-2, the middle of four decades, and a point at x = 0.
        var series = new PlotSeries("vertical", [(1e-2, 0.2), (1e-2, 0.8)]);
        var atZero = new PlotSeries("at zero", [(0, 0.5), (0, 0.5)]);

        RgbImage image = LinePlot.Render(options, [series, atZero]);

        Assert.Equal(LinePlot.Palette[0], image[(Left + Right) / 2, (Top + Bottom) / 2]);
        Assert.Equal(LinePlot.Palette[1], image[Left, (Top + Bottom) / 2]);
    }

    [Fact]
    public void A_log_x_axis_whose_only_positive_value_is_one_still_spans_a_decade()
    {
        // The ROC of scores that separate nothing: FAR is only 0 and 1.
        var options = new PlotOptions { LogX = true, YRange = (0, 1) };

        RgbImage image = LinePlot.Render(options, [new PlotSeries("all or nothing", [(0, 0), (1, 1)])]);

        Assert.Equal(LinePlot.Palette[0], image[(Left + Right) / 2, (Top + Bottom) / 2]); // from the left edge to (1, 1)
    }

    [Fact]
    public void Renders_to_a_valid_png_with_text_and_several_series()
    {
        var series = Enumerable.Range(0, 3)
            .Select(s => new PlotSeries($"curve {s}", Enumerable.Range(0, 50).Select(i => (i / 49.0, Math.Pow(i / 49.0, s + 1))).ToArray()))
            .ToArray();

        RgbImage image = LinePlot.Render(new PlotOptions { Width = 320, Height = 240, Title = "ROC @ 1E-3 (x)" }, series);
        byte[] png = PngEncoder.Encode(image);

        Assert.Equal(240 * (1 + 320 * 3), PngEncoderTests.Inflate(PngEncoderTests.ReadChunks(png)[1].Data).Length);
        Assert.Throws<ArgumentException>(() => LinePlot.Render(new PlotOptions { Width = 50, Height = 50 }, series));
    }

    [Fact]
    public void Text_is_drawn_inside_its_box_with_the_5x7_font()
    {
        var image = new RgbImage(20, 10, Rgb.White);
        image.DrawText(1, 1, "1e", Rgb.Black); // lower case drawn as capitals

        int[] inked = Enumerable.Range(0, 20 * 10).Where(i => image[i % 20, i / 20] == Rgb.Black).ToArray();
        Assert.NotEmpty(inked);
        Assert.All(inked, i => Assert.InRange(i % 20, 1, 1 + 2 * 6 - 2));
        Assert.All(inked, i => Assert.InRange(i / 20, 1, 7));
        Assert.Equal(Rgb.Black, image[1 + 6, 1]); // the top bar of the E
    }
}
