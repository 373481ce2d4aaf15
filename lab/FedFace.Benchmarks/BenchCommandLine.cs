using System.CommandLine;
using FedFace.CommandLine;
using FedFace.Core.SecureAggregation;

namespace FedFace.Benchmarks;

/// <summary><c>fedface-bench</c>'s command line: its three benchmarks with typed flags, <c>--help</c> and <c>--version</c>.</summary>
public sealed class BenchCommandLine
{
    public const string Name = "fedface-bench";

    private BenchCommandLine()
    {
        Program = new ProgramCommandLine(Name, "Benchmarks of the federation's spine, the vision pipeline and secure aggregation; each writes its JSON under lab/results.",
            settings: [], configFile: false);
        Spine = new Command("spine", "Fold and transfer throughput of the aggregator against memcpy and raw TLS measured in the same run.") { DemoReport, SpineOut };
        Vision = new Command("vision", "Detection, alignment, LFW verification and search against a Python/OpenCV reference.")
        {
            VisionOut, Workers, AlignImages, AlignPairs, FrameRuns, SearchProbes, Python,
        };
        SecureAggregation = new Command("secure-aggregation", "SecAgg+ in process and over the wire: PRG, rounds by site count and dropout.")
        {
            SecureAggregationOut, PrgPairs, LargeDimension, WireSites,
        };
        SecureAggregationScale = new Command(FedFace.Benchmarks.SecureAggregation.SecureAggregationScaleCommand.Name,
            "Issue 23's SecAgg+ rows: one round of many sites per dropout rate; the server's unmasking against the keystream it requires.")
        {
            ScaleOut, ScaleSites, ScaleDimension, ScaleDropouts, ScalePrgPairs, ScaleSection,
        };
        SecureAggregation.Subcommands.Add(SecureAggregationScale);
        Program.Root.Subcommands.Add(Spine);
        Program.Root.Subcommands.Add(Vision);
        Program.Root.Subcommands.Add(SecureAggregation);
    }

    public static BenchCommandLine Create() => new();

    public ProgramCommandLine Program { get; }
    public Command Spine { get; }
    public Command Vision { get; }
    public Command SecureAggregation { get; }
    public Command SecureAggregationScale { get; }

    public Option<string?> DemoReport { get; } = new("--demo-report") { Description = "A simulation-report.json (./run-demo.sh) whose figures the report embeds.", HelpName = "PATH" };
    public Option<string?> SpineOut { get; } = Out("spine.json");

    public Option<string?> VisionOut { get; } = Out("vision-eval.json");
    public Option<int?> Workers { get; } = Positive("--workers", "Workers for alignment and embedding, on both sides of the Python comparison (default: the cores).");
    public Option<int?> AlignImages { get; } = Positive("--align-images", "Images in the C# vs Python alignment throughput comparison (default 1000).");
    public Option<int?> AlignPairs { get; } = Positive("--align-pairs", "Python-then-C# pairs per parallel setting (default 5).");
    public Option<int?> FrameRuns { get; } = Positive("--frame-runs", "Timed runs of one frame's latency, after warm-up (default 50).");
    public Option<int?> SearchProbes { get; } = Positive("--search-probes", "Probes timed per gallery size in the 1:N search benchmark (default 21).");
    public Option<string?> Python { get; } = new("--python") { Description = "The interpreter with Debian's python3-opencv that runs the reference (default /usr/bin/python3).", HelpName = "PATH" };

    public Option<string?> SecureAggregationOut { get; } = Out("secure-aggregation.json");
    public Option<int?> PrgPairs { get; } = Positive("--prg-pairs", "Interleaved pairs of the PRG measurement (default 9).");
    public Option<int?> LargeDimension { get; } = Positive("--large-dimension", "Model size of the large in-process rounds (default 20000).");
    public Option<int?> WireSites { get; } = Positive("--wire-sites", $"Sites of the round over the wire (default 100, at least {RoundConfiguration.MinimumSites}).", RoundConfiguration.MinimumSites);

    public Option<string?> ScaleOut { get; } = Out("scale.json");
    public Option<int?> ScaleSites { get; } = Positive("--sites", $"Sites of each round (default 1000, at least {RoundConfiguration.MinimumSites}).", RoundConfiguration.MinimumSites);
    public Option<int?> ScaleDimension { get; } = Positive("--dimension", "Parameters of the model (default 1200000).");
    public Option<double[]> ScaleDropouts { get; } = DropoutRates();
    public Option<int?> ScalePrgPairs { get; } = Positive("--prg-pairs", "Interleaved pairs of the PRG measurement (default 5).");
    public Option<string?> ScaleSection { get; } = new("--section") { Description = "The section of the report to write; the others are kept (default secure_aggregation).", HelpName = "NAME" };

    private static Option<string?> Out(string file) => new("--out") { Description = $"The report to write (default lab/results/{file}).", HelpName = "PATH" };

    private static Option<double[]> DropoutRates()
    {
        var option = new Option<double[]>("--dropouts")
        {
            Description = "Dropout rates, one round each, comma-separated, each in [0, 1) (default 0.1,0.3).",
            HelpName = "RATES",
            DefaultValueFactory = _ => [0.1, 0.3],
            CustomParser = result =>
            {
                var rates = new List<double>();
                foreach (string part in result.Tokens.Single().Value.Split(','))
                {
                    if (!double.TryParse(part, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out double rate) || rate < 0 || rate >= 1)
                    {
                        result.AddError($"--dropouts: '{part}' is not a rate in [0, 1)");
                        return [];
                    }
                    rates.Add(rate);
                }
                return [.. rates];
            },
        };
        return option;
    }

    private static Option<int?> Positive(string name, string description, int minimum = 1)
    {
        var option = new Option<int?>(name) { Description = description, HelpName = "N" };
        option.Validators.Add(result =>
        {
            if (result.Tokens is [{ Value: var text }] && int.TryParse(text, System.Globalization.CultureInfo.InvariantCulture, out int value) && value < minimum)
            {
                result.AddError($"{name} must be at least {minimum}");
            }
        });
        return option;
    }
}
