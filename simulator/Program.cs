using FedFace.Core;
using FedFace.Simulator;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;

// fedface-simulator [--sites K] [--rounds R] [--epochs E] [--out DIR] [--shared DIR] … (see SimulatorOptions)
IConfiguration configuration = new ConfigurationBuilder()
    .AddEnvironmentVariables("FEDFACE_SIM_")
    .AddCommandLine(args, SimulatorOptions.SwitchMappings)
    .Build();
var options = new SimulatorOptions();
configuration.Bind(options);
IReadOnlyList<string> problems = options.Problems();
if (problems.Count > 0)
{
    foreach (string problem in problems)
    {
        Console.Error.WriteLine($"error: {problem}");
    }
    return 2;
}
if (!string.IsNullOrEmpty(options.SharedDirectory))
{
    Environment.SetEnvironmentVariable(SharedData.EnvironmentVariable, options.SharedDirectory);
}

using ILoggerFactory loggerFactory = LoggerFactory.Create(logging => logging
    .AddSimpleConsole(console => { console.SingleLine = true; console.TimestampFormat = "HH:mm:ss "; })
    .SetMinimumLevel(configuration.GetValue("Verbose", false) ? LogLevel.Information : LogLevel.Warning));
using var cancellation = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) => { e.Cancel = true; cancellation.Cancel(); };
try
{
    await new Simulation(options, loggerFactory, Console.Out).RunAsync(cancellation.Token);
    return 0;
}
catch (OperationCanceledException) when (cancellation.IsCancellationRequested)
{
    Console.Error.WriteLine("cancelled");
    return 130;
}
