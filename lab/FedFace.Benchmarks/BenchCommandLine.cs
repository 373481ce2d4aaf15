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
        Load = new Command("load", "1,000 synthetic sites with real-size uploads against the aggregator in its own process, then held-open uploads and slow senders.")
        {
            Quick, LoadSites, PerRound, SteadySeconds, AttackRounds, AttackDeadlineSeconds, ChunkTimeoutSeconds, LoadOut,
        };
        Reliability = new Command("reliability", "The reliability table: every fault, bad input and attack, from the tests that pin them (and with --long the scripted runs).")
        {
            Long, CrashRounds, FuzzCases, LoadQuick, ReliabilityOut, Markdown,
        };
        RobustCost = new Command(FedFace.Benchmarks.Robust.RobustCostCommand.Name,
            "What each aggregation rule (mean, median, trimmed mean, Multi-Krum) costs the aggregator for 10 and 100 updates of MobileFaceNet's size.")
        {
            RobustCostOut,
        };
        // The load benchmark's own aggregator process: plumbing between the two, not for people.
        LoadAggregator = new Command(FedFace.Benchmarks.Load.LoadAggregatorServer.Command) { Hidden = true, TreatUnmatchedTokensAsErrors = false };
        Program.Root.Subcommands.Add(Spine);
        Program.Root.Subcommands.Add(Load);
        Program.Root.Subcommands.Add(Reliability);
        Program.Root.Subcommands.Add(RobustCost);
        Program.Root.Subcommands.Add(LoadAggregator);
        Program.Root.Subcommands.Add(Vision);
        Program.Root.Subcommands.Add(SecureAggregation);
    }

    public static BenchCommandLine Create() => new();

    public ProgramCommandLine Program { get; }
    public Command Spine { get; }
    public Command Vision { get; }
    public Command SecureAggregation { get; }
    public Command Load { get; }
    public Command Reliability { get; }
    public Command RobustCost { get; }
    public Command LoadAggregator { get; }
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

    public Option<bool> Quick { get; } = new("--quick") { Description = "100 sites, 20 a round, 30 s steady, 20 s attack deadlines, 5 s chunk timeout: about 4 minutes (flags still override)." };
    public Option<int?> LoadSites { get; } = Positive("--sites", $"Synthetic sites, each with its own certificate and connection (default {FedFace.Benchmarks.Load.LoadCommand.FullSites}).");
    public Option<int?> PerRound { get; } = Positive("--per-round", "Sites sampled a round (default 100; between 2 and --sites).", 2);
    public Option<double?> SteadySeconds { get; } = PositiveNumber("--steady-seconds", "How long the honest phase runs (default 120).");
    public Option<int?> AttackRounds { get; } = Positive("--attack-rounds", "Rounds of each attack phase (default 2).");
    public Option<int?> AttackDeadlineSeconds { get; } = Positive("--attack-deadline-seconds", "The round deadline in the attack phases (default 60).");
    public Option<double?> ChunkTimeoutSeconds { get; } = PositiveNumber("--chunk-timeout-seconds", "The upload chunk timeout in the attack phases (default 10; shorter than the attack deadline).");
    public Option<string?> LoadOut { get; } = Out("load.json");

    public Option<bool> Long { get; } = new("--long") { Description = "Also the long scripted runs: the crash loop, the process kill loop, the fuzz campaign and the load benchmark." };
    public Option<int?> CrashRounds { get; } = Positive("--crash-rounds", $"Rounds of the crash loop with --long (default {FedFace.Benchmarks.Reliability.LongRuns.DefaultCrashLives}).");
    public Option<int?> FuzzCases { get; } = Positive("--fuzz-cases", $"Generated inputs of the fuzz campaign with --long (default {FedFace.Benchmarks.Reliability.LongRuns.DefaultFuzzCases}).");
    public Option<bool> LoadQuick { get; } = new("--load-quick") { Description = $"With --long, the quick load run ({FedFace.Benchmarks.Load.LoadCommand.QuickSites} sites) instead of the full one." };
    public Option<string?> ReliabilityOut { get; } = Out("reliability.json");
    public Option<string?> RobustCostOut { get; } = Out("robust-cost.json");
    public Option<string?> Markdown { get; } = new("--markdown") { Description = "The Markdown table to write (default docs/reliability.md).", HelpName = "PATH" };

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

    private static Option<double?> PositiveNumber(string name, string description)
    {
        var option = new Option<double?>(name) { Description = description, HelpName = "SECONDS" };
        option.Validators.Add(result =>
        {
            if (result.Tokens is [{ Value: var text }] && double.TryParse(text, System.Globalization.CultureInfo.InvariantCulture, out double value) && value <= 0)
            {
                result.AddError($"{name} must be more than 0");
            }
        });
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
