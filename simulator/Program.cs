using FedFace.DevelopmentData;
using FedFace.Learning.Numerics;
using FedFace.Simulator;
using FedFace.Simulator.Benchmarks;
using FedFace.Simulator.Experiments;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;

// fedface-simulator [--sites K] [--rounds R] [--epochs E] [--out DIR] [--shared DIR] … (see SimulatorOptions)
// fedface-simulator experiment e1|e2 [--quick] [--central-only (e2: only the centralized baseline, for tuning)] [any setting above, to override the experiment's]
// fedface-simulator experiment robust [--quick] [--starts pretrained,scratch] [--attacks scale,sign-flip,noise] [--fractions 0,0.1,0.2] [--rules fedavg,median,trimmed-mean,multi-krum]
// fedface-simulator bench-learning [--e1 runs/e1/e1-report.json] [--e2 runs/e2/e2-report.json] [--out lab/results/learning.json]
if (args.Any(a => a is "--help" or "-h"))
{
    Console.WriteLine("usage: fedface-simulator [settings]                 a simulated federation on the shared LFW data");
    Console.WriteLine("       fedface-simulator experiment e1|e2 [--quick] [--central-only (e2)] [settings overriding the experiment's]");
    Console.WriteLine("       fedface-simulator experiment robust [--quick] [--starts LIST] [--attacks LIST] [--fractions LIST] [--rules LIST] [settings]");
    Console.WriteLine("       fedface-simulator bench-learning [--e1 E1-REPORT] [--e2 E2-REPORT] [--out FILE]");
    Console.WriteLine("settings (defaults and meaning: simulator/SimulatorOptions.cs):");
    Console.WriteLine("  " + string.Join(" ", SimulatorOptions.SwitchMappings.Keys));
    return 0;
}
string command = args.Length > 0 && !args[0].StartsWith("--", StringComparison.Ordinal) ? args[0] : "simulate";
string? experiment = command == "experiment" && args.Length > 1 ? args[1].ToLowerInvariant() : null;
string[] switches = CommandLineFlags.WithValues(args.SkipWhile(a => !a.StartsWith("--", StringComparison.Ordinal)).ToArray(),
    ["--quick", "--central-only", "--masked-eval", "--unequal-sites", "--freeze-bn", "--freeze-head", "--decay-across-rounds", "--verbose", "--secure-aggregation"]);

IConfiguration configuration = new ConfigurationBuilder()
    .AddEnvironmentVariables("FEDFACE_SIM_")
    .AddCommandLine(switches, new Dictionary<string, string>(SimulatorOptions.SwitchMappings)
    {
        ["--quick"] = "Quick",
        ["--central-only"] = "CentralOnly",
        ["--verbose"] = "Verbose",
        ["--e1"] = "E1Report",
        ["--e2"] = "E2Report",
        ["--starts"] = "RobustStarts",
        ["--attacks"] = "RobustAttacks",
        ["--fractions"] = "RobustFractions",
        ["--rules"] = "RobustRules",
    })
    .Build();
bool quick = configuration.GetValue("Quick", false);
SimulatorOptions? preset = experiment switch
{
    MaskedFineTuningExperiment.Name => MaskedFineTuningExperiment.Settings(quick),
    NonIidFromScratchExperiment.Name => NonIidFromScratchExperiment.Settings(quick),
    RobustnessExperiment.Name => RobustnessExperiment.Settings(quick),
    null when command is "simulate" or "bench-learning" => null,
    _ => throw new ArgumentException($"unknown command '{string.Join(' ', args.Take(2))}': use experiment e1|e2|robust, bench-learning, or simulator settings"),
};
SimulatorOptions options;
try
{
    options = SimulatorOptions.Read(configuration, preset); // what the command line gives overrides the experiment's settings
}
catch (ArgumentException e)
{
    Console.Error.WriteLine($"error: {e.Message}");
    return 2;
}
if (quick && experiment is not null && configuration["OutputDirectory"] is null)
{
    options.OutputDirectory = Path.Combine("runs", experiment + "-quick");
}
if (!string.IsNullOrEmpty(options.SharedDirectory))
{
    Environment.SetEnvironmentVariable(SharedData.EnvironmentVariable, options.SharedDirectory);
}
RobustnessMatrix robustMatrix = RobustnessMatrix.Parse(configuration["RobustStarts"], configuration["RobustAttacks"], configuration["RobustFractions"], configuration["RobustRules"]);
IReadOnlyList<string> problems = command == "bench-learning" ? [] : [.. options.Problems(), .. experiment == RobustnessExperiment.Name ? robustMatrix.Problems() : []];
if (problems.Count > 0)
{
    foreach (string problem in problems)
    {
        Console.Error.WriteLine($"error: {problem}");
    }
    return 2;
}

using ILoggerFactory loggerFactory = LoggerFactory.Create(logging => logging
    .AddSimpleConsole(console => { console.SingleLine = true; console.TimestampFormat = "HH:mm:ss "; })
    .SetMinimumLevel(configuration.GetValue("Verbose", false) ? LogLevel.Information : LogLevel.Warning));
// Every command here trains: refuse at once, in one line, on a machine whose convolutions compute wrong.
if (ConvolutionLayoutGuard.FailureAtStart() is { } numericsError)
{
    Console.Error.WriteLine($"error: {numericsError}");
    return 1;
}
using var cancellation = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) => { e.Cancel = true; cancellation.Cancel(); };
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
        case ("bench-learning", _):
            await LearningBenchmark.RunAsync(configuration["E1Report"], configuration["E2Report"],
                configuration["OutputDirectory"] ?? Path.Combine("lab", "results", "learning.json"), Console.Out, cancellation.Token);
            break;
        default:
            await new Simulation(options, loggerFactory, Console.Out).RunAsync(cancellation.Token);
            break;
    }
    return 0;
}
catch (OperationCanceledException) when (cancellation.IsCancellationRequested)
{
    Console.Error.WriteLine("cancelled");
    return 130;
}
catch (DllNotFoundException e)
{
    // A native library the machine lacks (OpenCvNative names it): one line, not a stack trace.
    Console.Error.WriteLine($"error: {e.Message}");
    return 1;
}
