using System.CommandLine;
using FedFace.CommandLine;
using FedFace.DevelopmentData;
using FedFace.Learning;
using FedFace.Learning.Numerics;
using FedFace.Simulator;
using FedFace.Simulator.Benchmarks;
using FedFace.Simulator.Experiments;
using FedFace.Simulator.Reports;
using FedFace.Simulator.Scenarios;
using FedFace.Simulator.VirtualSites;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;

// The commands, their flags and a flag per setting are in SimulatorCommandLine, which --help prints.
SimulatorCommandLine commandLine = SimulatorCommandLine.Create();
CommandLineOutcome parsed = commandLine.Program.Parse(args, Console.Out, Console.Error);
if (parsed.ExitCode is { } answered)
{
    return answered;
}
Command chosen = parsed.Result.CommandResult.Command;
string command = chosen == commandLine.Experiment ? "experiment" : chosen == commandLine.BenchLearning ? "bench-learning" : chosen == commandLine.Worker ? "worker" : "simulate";
string? experiment = command == "experiment" ? parsed.Result.GetValue(commandLine.ExperimentName)!.ToLowerInvariant() : null;
string? scenarioPath = chosen == commandLine.Simulate ? parsed.Result.GetValue(commandLine.ScenarioFile) : null;
const string EnvironmentPrefix = "FEDFACE_SIM_";

IConfiguration configuration;
Scenario? scenario = null;
try
{
    if (scenarioPath is not null && parsed.ConfigFile is not null)
    {
        throw new InvalidDataException("give a scenario file or --config, not both (a scenario file is a settings file)");
    }
    scenario = scenarioPath is null ? null : ScenarioFile.Read(scenarioPath, SimulatorCommandLine.Settings());
    configuration = scenario is not null
        ? ScenarioPlan.Configuration(scenario, new ScenarioVariant(scenario.Name, []), commandLine.Given(parsed), EnvironmentPrefix)
        : new ConfigurationBuilder()
            .AddSettingsFile(parsed.ConfigFile)
            .AddEnvironmentVariables(EnvironmentPrefix)
            .AddInMemoryCollection(commandLine.Given(parsed))
            .Build();
    UnknownSettings.Refuse(configuration, "", SimulatorCommandLine.Settings(), SimulatorCommandLine.CommandKeys);
}
catch (Exception e) when (e is UnknownSettingsException or InvalidDataException)
{
    Console.Error.WriteLine($"{SimulatorCommandLine.Name}: {e.Message}");
    return ExitCodes.UsageError;
}
bool quick = configuration.GetValue("Quick", false);
SimulatorOptions? preset = experiment switch
{
    MaskedFineTuningExperiment.Name => MaskedFineTuningExperiment.Settings(quick),
    NonIidFromScratchExperiment.Name => NonIidFromScratchExperiment.Settings(quick),
    RobustnessExperiment.Name => RobustnessExperiment.Settings(quick),
    _ => null,
};
SimulatorOptions options;
try
{
    options = SimulatorOptions.Read(configuration, preset); // what the command line gives overrides the experiment's settings
}
catch (ArgumentException e)
{
    Console.Error.WriteLine($"{SimulatorCommandLine.Name}: {e.Message}");
    return ExitCodes.UsageError;
}
if (quick && experiment is not null && configuration["OutputDirectory"] is null)
{
    options.OutputDirectory = Path.Combine("runs", experiment + "-quick");
}
if (parsed.ConfigFile is not null)
{
    // A settings file's relative paths are its folder's; without one, runs land under the working directory, as a
    // developer running experiments from the checkout expects (lab scripts read runs/ there).
    SettingsPaths.Resolve(options, SettingsPaths.Home(parsed.ConfigFile));
}
if (!string.IsNullOrEmpty(options.SharedDirectory))
{
    Environment.SetEnvironmentVariable(SharedData.EnvironmentVariable, options.SharedDirectory);
}
RobustnessMatrix robustMatrix = RobustnessMatrix.Parse(configuration["RobustStarts"], configuration["RobustAttacks"], configuration["RobustFractions"], configuration["RobustRules"]);
IReadOnlyList<string> scenarioProblems = [];
ScenarioPlan? scenarioPlan = scenario is null ? null : ScenarioPlan.Create(scenario, commandLine.Given(parsed), EnvironmentPrefix, out scenarioProblems);
IReadOnlyList<string> problems = command == "bench-learning" ? []
    : scenarioPlan is not null ? scenarioProblems
    : [.. options.Problems(), .. experiment == RobustnessExperiment.Name ? robustMatrix.Problems() : [],
        .. command == "worker" ? WorkerProcess.Problems(configuration["WorkerAggregator"], configuration["WorkerPki"], configuration["WorkerSlice"]) : []];
if (problems.Count > 0)
{
    foreach (string problem in problems)
    {
        Console.Error.WriteLine($"{SimulatorCommandLine.Name}: {problem}");
    }
    return ExitCodes.UsageError;
}
// The run's folder is made before anything is aligned or trained: one that cannot be made is one line now, not a trace later.
if ((command is "bench-learning" or "worker" ? null : scenarioPlan?.OutputDirectory ?? options.OutputDirectory) is { } runFolder)
{
    try
    {
        Directory.CreateDirectory(runFolder);
    }
    catch (Exception e) when (e is IOException or UnauthorizedAccessException)
    {
        Console.Error.WriteLine($"{SimulatorCommandLine.Name}: error: --out: cannot make the folder {Path.GetFullPath(runFolder)} ({e.Message})");
        return ExitCodes.Failure;
    }
}

using ILoggerFactory loggerFactory = LoggerFactory.Create(logging => logging
    .AddSimpleConsole(console => { console.SingleLine = true; console.TimestampFormat = "HH:mm:ss "; })
    .SetMinimumLevel(configuration.GetValue("Verbose", false) ? LogLevel.Information : LogLevel.Warning));
// Every command here trains: refuse at once, in one line, on a machine whose convolutions compute wrong.
if (ConvolutionLayoutGuard.FailureAtStart() is { } numericsError)
{
    Console.Error.WriteLine($"{SimulatorCommandLine.Name}: error: {numericsError}");
    return ExitCodes.Failure;
}
// Ctrl+C, and SIGTERM from whatever supervises the run (timeout, systemd, a Kubernetes Job's worker), stop it the same way:
// its sites first, then its aggregator; the exit code names the signal (128 + its number), as a shell's would.
using var cancellation = new CancellationTokenSource();
int stoppedBy = 0;
Console.CancelKeyPress += (_, e) => { e.Cancel = true; stoppedBy = 130; cancellation.Cancel(); };
using var onTerminate = System.Runtime.InteropServices.PosixSignalRegistration.Create(System.Runtime.InteropServices.PosixSignal.SIGTERM,
    context => { context.Cancel = true; stoppedBy = 143; cancellation.Cancel(); });
try
{
    switch (command, experiment)
    {
        case ("experiment", MaskedFineTuningExperiment.Name):
            await MaskedFineTuningExperiment.RunAsync(options, quick, loggerFactory, Console.Out, cancellation.Token);
            break;
        case ("experiment", NonIidFromScratchExperiment.Name):
            await NonIidFromScratchExperiment.RunAsync(options, quick, configuration.GetValue("CentralOnly", false), loggerFactory, Console.Out, cancellation.Token);
            break;
        case ("experiment", RobustnessExperiment.Name):
            await RobustnessExperiment.RunAsync(options, robustMatrix, quick, loggerFactory, Console.Out, cancellation.Token);
            break;
        case ("worker", _):
            await new WorkerProcess(options, loggerFactory, Console.Out).RunAsync(configuration["WorkerAggregator"] ?? "", configuration["WorkerPki"] ?? "",
                configuration["WorkerSlice"] ?? "", cancellation.Token);
            break;
        case ("bench-learning", _):
            await LearningBenchmark.RunAsync(configuration["E1Report"], configuration["E2Report"],
                configuration["OutputDirectory"] ?? Path.Combine("lab", "results", "learning.json"), Console.Out, cancellation.Token);
            break;
        case ("simulate", _) when scenarioPlan is not null:
            await RunScenarioAsync(scenarioPlan, commandLine.Given(parsed), loggerFactory, cancellation.Token);
            break;
        default:
            await new Simulation(options, loggerFactory, Console.Out, args).RunAsync(cancellation.Token);
            break;
    }
    return 0;
}
catch (Exception e) when (cancellation.IsCancellationRequested && e is OperationCanceledException or Grpc.Core.RpcException { StatusCode: Grpc.Core.StatusCode.Cancelled })
{
    // stopped, whether between calls or during one (a call stopped ends in its own cancelled status)
    Console.Error.WriteLine(stoppedBy == 143 ? "stopped (SIGTERM)" : "cancelled");
    return stoppedBy == 0 ? 130 : stoppedBy;
}
catch (InvalidOperationException e)
{
    // The federation could not finish (the aggregator's round loop failed, a worker process failed): one line, not a stack trace.
    Console.Error.WriteLine($"{SimulatorCommandLine.Name}: error: {e.Message}");
    return ExitCodes.Failure;
}
catch (Grpc.Core.RpcException e) when (!cancellation.IsCancellationRequested)
{
    // A call the simulation could not complete even after its retries: what failed, in one line.
    Console.Error.WriteLine($"{SimulatorCommandLine.Name}: error: a call to the aggregator failed: {e.StatusCode}: {e.Status.Detail}");
    return ExitCodes.Failure;
}
catch (Exception e) when (e is IOException or UnauthorizedAccessException)
{
    // A file the run could not write or read (a full disk, a folder it may not write to): its own message names it.
    Console.Error.WriteLine($"{SimulatorCommandLine.Name}: error: {e.Message}");
    return ExitCodes.Failure;
}
catch (DllNotFoundException e)
{
    // A native library the machine lacks (OpenCvNative names it): one line, not a stack trace.
    Console.Error.WriteLine($"{SimulatorCommandLine.Name}: error: {e.Message}");
    return ExitCodes.Failure;
}

// A terminal gets a status line redrawn under the run's lines; a log (CI) gets plain lines at each milestone.
static async Task RunScenarioAsync(ScenarioPlan plan, IEnumerable<KeyValuePair<string, string?>> given, ILoggerFactory loggerFactory, CancellationToken cancellationToken)
{
    Dictionary<string, string?> commandLine = given.ToDictionary(pair => pair.Key, pair => pair.Value, StringComparer.OrdinalIgnoreCase);
    if (Console.IsOutputRedirected)
    {
        await new ScenarioRun(plan, commandLine, loggerFactory, Console.Out, new PlainProgressLines(Console.Out)).RunAsync(cancellationToken);
        return;
    }
    using var terminal = new TerminalStatusLine(Console.Out, () => Console.WindowWidth);
    try
    {
        await new ScenarioRun(plan, commandLine, loggerFactory, terminal, terminal).RunAsync(cancellationToken);
    }
    finally
    {
        terminal.Clear();
    }
}
