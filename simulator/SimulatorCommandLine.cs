using System.CommandLine;
using FedFace.CommandLine;
using FedFace.CommandLine.Settings;
using FedFace.Simulator.Experiments;

namespace FedFace.Simulator;

/// <summary>
/// <c>fedface-simulator</c>'s command line: a flag per setting of <see cref="SimulatorOptions"/> (its short flags,
/// <see cref="SimulatorOptions.SwitchMappings"/>, where it has one; else the key in kebab case; the key itself,
/// <c>--Training:Momentum</c>, too), on every command; the commands' own flags; <c>--config</c>, <c>--help</c>, <c>--version</c>.
/// </summary>
public sealed class SimulatorCommandLine
{
    public const string Name = "fedface-simulator";

    private const string Description = """
        A simulated federation on the shared LFW data: a PKI, a real aggregator and its sites in one process. Settings, each
        layer over the one before: the --config file (JSON, keys as below), the environment (FEDFACE_SIM_Rounds=3), then the
        flags below (--rounds 3, or by key: --Rounds 3); an on/off flag alone means true. Unknown keys are refused. Every
        setting: docs/configuration.md.
        """;

    /// <summary>The commands' own flags and the configuration keys they set (read by Program, never bound to the settings).</summary>
    private static readonly (string Flag, string Key, string Description, string Command)[] CommandFlags =
    [
        ("--quick", "Quick", "A shorter run of the experiment (fewer rounds and people), for a first look.", "experiment"),
        ("--central-only", "CentralOnly", "e2: only the centralized baseline, for tuning.", "experiment"),
        ("--starts", "RobustStarts", "robust: the starts to run, e.g. pretrained,scratch.", "experiment"),
        ("--attacks", "RobustAttacks", "robust: the attacks to run, e.g. scale,sign-flip,noise.", "experiment"),
        ("--fractions", "RobustFractions", "robust: the shares of byzantine sites, e.g. 0,0.1,0.2.", "experiment"),
        ("--rules", "RobustRules", "robust: the aggregation rules, e.g. fedavg,median,trimmed-mean,multi-krum.", "experiment"),
        ("--e1", "E1Report", "The E1 experiment's report (runs/e1/e1-report.json).", "bench-learning"),
        ("--e2", "E2Report", "The E2 experiment's report (runs/e2/e2-report.json).", "bench-learning"),
        ("--aggregator", "WorkerAggregator", "The aggregator's URL (https://host:port/).", "worker"),
        ("--pki", "WorkerPki", "The federation's PKI folder: the sites' certificates and the operator's.", "worker"),
        ("--slice", "WorkerSlice", "i/N: this worker hosts the sites whose index mod N is i.", "worker"),
    ];

    private readonly List<(Option Option, string Key)> _commandOptions = [];

    private SimulatorCommandLine()
    {
        Dictionary<string, string> flagOfKey = SimulatorOptions.SwitchMappings.ToDictionary(mapping => mapping.Value, mapping => mapping.Key, StringComparer.OrdinalIgnoreCase);
        Program = new ProgramCommandLine(Name, Description, SettingOption.For(Settings(), "", flagOfKey), configFile: true);
        Verbose = Add(Program.Root, new Option<bool>("--verbose") { Description = "Log the aggregator's and sites' information messages too.", Recursive = true }, "Verbose");
        Simulate = new Command("simulate", "Runs a simulated federation (as with no command); given a scenario file (simulator/scenarios/*.json, "
            + "docs/simulation.md), runs its variants on the same data and writes report.json, rounds.csv, the plots and summary.md. "
            + "Settings given here override the file's.") { ScenarioFile };
        Experiment = new Command("experiment", "Runs a lab experiment; settings given here override the experiment's.") { ExperimentName };
        BenchLearning = new Command("bench-learning", "The learning benchmark from the experiments' reports (--out: its JSON file, by default lab/results/learning.json).");
        Worker = new Command("worker", "Hosts a slice of the virtual sites against an aggregator in another process (--engine-worker-processes starts these); the settings must be the federation's.");
        foreach ((string flag, string key, string description, string command) in CommandFlags)
        {
            Option option = key is "Quick" or "CentralOnly" ? new Option<bool>(flag) { Description = description } : new Option<string>(flag) { Description = description };
            Add(command switch { "experiment" => Experiment, "worker" => Worker, _ => BenchLearning }, option, key);
        }
        Program.Root.Subcommands.Add(Simulate);
        Program.Root.Subcommands.Add(Experiment);
        Program.Root.Subcommands.Add(BenchLearning);
        Program.Root.Subcommands.Add(Worker);
    }

    public static SimulatorCommandLine Create() => new();

    /// <summary>The simulator's settings as the configuration reference and --help list them.</summary>
    public static IReadOnlyList<SettingsSection> Settings() => SettingsSection.Of(typeof(SimulatorOptions), "");

    /// <summary>The configuration keys of the commands' own flags: known, though no setting binds them.</summary>
    public static IEnumerable<string> CommandKeys => CommandFlags.Select(flag => flag.Key).Append("Verbose");

    public ProgramCommandLine Program { get; }
    public Option<bool> Verbose { get; }
    public Command Simulate { get; }
    public Command Experiment { get; }

    public Argument<string?> ScenarioFile { get; } = new("scenario")
    {
        Description = "A scenario file: settings, a name, a description and the variants to compare (docs/simulation.md).",
        Arity = ArgumentArity.ZeroOrOne,
    };
    public Command BenchLearning { get; }
    public Command Worker { get; }

    public Argument<string> ExperimentName { get; } = ExperimentArgument();

    private static Argument<string> ExperimentArgument()
    {
        var argument = new Argument<string>("name") { Description = "The experiment: e1 (masked fine-tuning), e2 (non-IID from scratch) or robust." };
        argument.AcceptOnlyFromAmong(MaskedFineTuningExperiment.Name, NonIidFromScratchExperiment.Name, RobustnessExperiment.Name);
        return argument;
    }

    private TOption Add<TOption>(Command command, TOption option, string key) where TOption : Option
    {
        command.Options.Add(option);
        _commandOptions.Add((option, key));
        return option;
    }

    /// <summary>The given settings and command flags as configuration keys, for the simulator's configuration.</summary>
    public IEnumerable<KeyValuePair<string, string?>> Given(CommandLineOutcome parsed)
    {
        ArgumentNullException.ThrowIfNull(parsed);
        IEnumerable<KeyValuePair<string, string?>> commandFlags = _commandOptions
            .Where(pair => parsed.Result.GetResult(pair.Option) is { Implicit: false })
            .Select(pair => KeyValuePair.Create(pair.Key, pair.Option is Option<bool> flag
                ? (parsed.Result.GetValue(flag) ? "true" : "false")
                : parsed.Result.GetValue((Option<string>)pair.Option)));
        return parsed.Settings.Concat(commandFlags);
    }
}
