using FedFace.Learning.Numerics;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace FedFace.Learning.Tests;

/// <summary>
/// The guard that keeps the backbones off a convolution path computing wrong numbers (oneDNN's channels-last kernels on
/// an AVX-512 EPYC). This CPU computes right on both layouts, so the wrong path is injected: a convolution that mixes
/// channels whenever its input is channels-last, as the faulty kernels' results did.
/// </summary>
public sealed class ConvolutionPathCheckTests(ITestOutputHelper output)
{
    private static readonly CpuDescription TestCpu = new("Test CPU 9000", ["avx512bw", "avx512f"]);

    [Fact]
    public void The_contiguous_layout_agrees_with_the_float64_reference_with_a_wide_margin()
    {
        LayoutAgreement agreement = CheckOnThisCpu(ConvolutionLayout.Contiguous);

        // Normal float32 rounding must sit far below the tolerance, or a slightly different CPU would fail it.
        Assert.True(agreement.WorstRelativeError < ConvolutionPathCheck.Tolerance / 10, agreement.ToString());
    }

    /// <summary>
    /// Without AVX-512 (or with oneDNN capped below it) channels-last must check out: run-tests.sh runs this once more
    /// with ONEDNN_MAX_CPU_ISA=AVX2. On an AVX-512 path it may be wrong (then the guard leaves it), but never borderline:
    /// the tolerance has to separate rounding from wrong kernels cleanly.
    /// </summary>
    [Fact]
    public void Channels_last_agrees_with_the_float64_reference_below_AVX512_and_is_never_borderline()
    {
        LayoutAgreement agreement = CheckOnThisCpu(ConvolutionLayout.ChannelsLast);

        if (!Avx512InUse())
        {
            Assert.True(agreement.WorstRelativeError < ConvolutionPathCheck.Tolerance / 10, agreement.ToString());
        }
        else
        {
            Assert.True(agreement.WorstRelativeError is < ConvolutionPathCheck.Tolerance / 10 or > ConvolutionPathCheck.Tolerance * 10, agreement.ToString());
        }
    }

    [Fact]
    public void When_channels_last_convolutions_compute_wrong_the_check_takes_the_contiguous_path_and_says_so_in_one_line()
    {
        var lines = new List<string>();

        ConvolutionPathDecision decision = new ConvolutionPathCheck(TestCpu, lines.Add, WrongOn(channelsLast: true)).Decide();

        Assert.Equal(ConvolutionLayout.Contiguous, decision.Layout);
        Assert.False(decision.Checked[0].Agrees);
        Assert.True(decision.Checked[0].WorstRelativeError > 10 * ConvolutionPathCheck.Tolerance, decision.Checked[0].ToString());
        string line = Assert.Single(lines);
        output.WriteLine(line);
        Assert.DoesNotContain('\n', line);
        Assert.Contains("Test CPU 9000", line);
        Assert.Contains("avx512bw avx512f", line);
        Assert.Contains("in the contiguous layout", line);
        Assert.Contains("channels-last off by", line);
    }

    [Fact]
    public void When_the_fast_path_checks_out_it_is_taken_and_nothing_is_written()
    {
        var lines = new List<string>();

        ConvolutionPathDecision decision = new ConvolutionPathCheck(TestCpu, lines.Add, WrongOn(channelsLast: false)).Decide();

        Assert.Equal(ConvolutionLayout.ChannelsLast, decision.Layout);
        Assert.Single(decision.Checked);
        Assert.Empty(lines);
    }

    [Fact]
    public void When_no_layout_computes_right_the_check_refuses_naming_the_CPU_and_both_errors()
    {
        Convolution wrongEverywhere = (input, weight, stride, padding, groups) => Mix(ConvolutionProbe.Convolve(input, weight, stride, padding, groups));

        var error = Assert.Throws<UnreliableConvolutionsException>(() => new ConvolutionPathCheck(TestCpu, _ => { }, wrongEverywhere).Decide());

        output.WriteLine(error.Message);
        Assert.Contains("Test CPU 9000", error.Message);
        Assert.Contains("channels-last off by", error.Message);
        Assert.Contains("contiguous off by", error.Message);
    }

    [Fact]
    public void A_forced_layout_that_computes_wrong_is_refused_rather_than_used()
    {
        Assert.Throws<UnreliableConvolutionsException>(() =>
            new ConvolutionPathCheck(TestCpu, _ => { }, WrongOn(channelsLast: true)).Decide(forced: ConvolutionLayout.ChannelsLast));
    }

    [Fact]
    public void A_forced_contiguous_layout_is_checked_used_and_reported()
    {
        var lines = new List<string>();

        ConvolutionPathDecision decision = new ConvolutionPathCheck(TestCpu, lines.Add).Decide(forced: ConvolutionLayout.Contiguous);

        Assert.Equal(ConvolutionLayout.Contiguous, decision.Layout);
        Assert.True(decision.Forced);
        Assert.Contains(ConvolutionLayoutGuard.LayoutVariable, Assert.Single(lines));
    }

    [Theory]
    [InlineData(null, null)]
    [InlineData(" ", null)]
    [InlineData("contiguous", ConvolutionLayout.Contiguous)]
    [InlineData("Channels-Last", ConvolutionLayout.ChannelsLast)]
    public void The_layout_setting_is_read_by_name(string? setting, ConvolutionLayout? expected)
    {
        Assert.Equal(expected, ConvolutionLayoutGuard.ForcedLayout(setting));
    }

    [Fact]
    public void An_unknown_layout_setting_is_refused_naming_the_variable_and_the_choices()
    {
        var error = Assert.Throws<ArgumentException>(() => ConvolutionLayoutGuard.ForcedLayout("nhwc"));

        Assert.Contains("FEDFACE_CONV_LAYOUT is 'nhwc'", error.Message);
        Assert.Contains("contiguous or channels-last", error.Message);
    }

    [Fact]
    public void The_process_layout_is_the_setting_or_else_the_first_that_checks_out_fast_path_first()
    {
        ConvolutionPathDecision decision = ConvolutionLayoutGuard.Decision;
        output.WriteLine($"{decision}; the check took {decision.CheckSeconds * 1000:F0} ms");

        Assert.Equal(CpuDescription.OfThisMachine, decision.Cpu);
        Assert.True(decision.Checked[^1].Agrees);
        Assert.All(decision.Checked.SkipLast(1), a => Assert.False(a.Agrees));
        Assert.Equal(decision.Checked[^1].Layout, decision.Layout);
        Assert.Equal(
            ConvolutionLayoutGuard.ForcedLayout(Environment.GetEnvironmentVariable(ConvolutionLayoutGuard.LayoutVariable)) ?? ConvolutionLayout.ChannelsLast,
            decision.Checked[0].Layout);
    }

    /// <summary>
    /// The backbones' first convolution sees the faces in the layout the guard chose, never in a fixed one (run-tests.sh
    /// runs this once more with FEDFACE_CONV_LAYOUT=contiguous, where a backbone stuck on channels-last fails it).
    /// </summary>
    [Theory]
    [InlineData("mobilefacenet", "conv1.0")]
    [InlineData("iresnet18", "conv1")]
    public void The_backbones_convolve_in_the_layout_the_guard_chose(string architecture, string firstConvolutionName)
    {
        using Backbones.FaceBackbone backbone = Backbones.BackboneArchitecture.Parse(architecture).Create(seed: 1);
        var firstConvolution = (TorchSharp.Modules.Conv2d)backbone.named_modules().Single(m => m.name == firstConvolutionName).module;
        var seen = new List<ConvolutionLayout>();
        firstConvolution.register_forward_pre_hook((_, input) =>
        {
            seen.Add(IsChannelsLast(input) ? ConvolutionLayout.ChannelsLast : ConvolutionLayout.Contiguous);
            return input;
        });
        backbone.eval();
        using (no_grad())
        using (Tensor faces = rand(2, 3, 112, 112))
        using (Tensor embeddings = backbone.call(faces))
        {
        }

        Assert.Equal([ConvolutionLayoutGuard.Layout], seen);
    }

    [Fact]
    public void The_CPU_is_named_with_its_AVX512_flags_from_cpuinfo()
    {
        string path = Path.GetTempFileName();
        try
        {
            File.WriteAllText(path, "processor\t: 0\nmodel name\t: AMD EPYC 9654 96-Core Processor\nflags\t\t: fpu sse avx2 avx512f avx512dq avx512_bf16 fma\n");

            CpuDescription cpu = CpuDescription.Read(path);

            Assert.Equal("AMD EPYC 9654 96-Core Processor", cpu.Model);
            Assert.Equal(["avx512_bf16", "avx512dq", "avx512f"], cpu.Avx512Flags);
            Assert.Equal("AMD EPYC 9654 96-Core Processor, avx512_bf16 avx512dq avx512f", cpu.ToString());
        }
        finally
        {
            File.Delete(path);
        }
    }

    private LayoutAgreement CheckOnThisCpu(ConvolutionLayout layout)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        ConvolutionPathDecision? decision = null;
        LayoutAgreement agreement;
        try
        {
            decision = new ConvolutionPathCheck(CpuDescription.OfThisMachine, _ => { }).Decide(forced: layout);
            agreement = Assert.Single(decision.Checked);
        }
        catch (UnreliableConvolutionsException e)
        {
            output.WriteLine(e.Message);
            agreement = new LayoutAgreement(layout, double.PositiveInfinity, "(refused)");
        }
        output.WriteLine($"{decision?.ToString() ?? agreement.ToString()} ({clock.Elapsed.TotalMilliseconds:F0} ms)");
        return agreement;
    }

    /// <summary>Whether oneDNN may pick AVX-512 kernels here: the CPU has them and ONEDNN_MAX_CPU_ISA does not cap below them.</summary>
    private static bool Avx512InUse()
    {
        string cap = Environment.GetEnvironmentVariable("ONEDNN_MAX_CPU_ISA") ?? Environment.GetEnvironmentVariable("DNNL_MAX_CPU_ISA") ?? "";
        bool cappedBelow = cap.StartsWith("AVX2", StringComparison.OrdinalIgnoreCase) || cap.StartsWith("SSE", StringComparison.OrdinalIgnoreCase)
            || cap.Equals("AVX", StringComparison.OrdinalIgnoreCase);
        return CpuDescription.OfThisMachine.Avx512Flags.Count > 0 && !cappedBelow;
    }

    /// <summary>libtorch's convolution, made wrong on inputs of one layout only.</summary>
    private static Convolution WrongOn(bool channelsLast) => (input, weight, stride, padding, groups) =>
    {
        Tensor result = ConvolutionProbe.Convolve(input, weight, stride, padding, groups);
        return IsChannelsLast(input) == channelsLast ? Mix(result) : result;
    };

    /// <summary>Channels-last with more than one pixel: the channel stride is 1 (contiguous NCHW has H·W there).</summary>
    private static bool IsChannelsLast(Tensor input) => input.stride(1) == 1 && input.shape[2] * input.shape[3] > 1;

    /// <summary>
    /// A twentieth of each channel leaks into the next: every value off by a little, milder than the faulty kernels
    /// (whose embeddings were at cosine 0.96-0.98 of the right ones).
    /// </summary>
    private static Tensor Mix(Tensor result)
    {
        using Tensor rolled = result.roll(1, 1);
        using Tensor leak = rolled * 0.05;
        using (result)
        {
            return result + leak;
        }
    }
}
