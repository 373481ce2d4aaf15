using System.Diagnostics;

namespace FedFace.Aggregator.Tests.Kit;

/// <summary>What one run of the built aggregator printed and returned.</summary>
public sealed record ProcessRun(int ExitCode, string Output, string Error)
{
    public string[] ErrorLines => Error.Split('\n', StringSplitOptions.RemoveEmptyEntries);

    public override string ToString() => $"exit {ExitCode}\n--- stdout\n{Output}\n--- stderr\n{Error}";
}

/// <summary>Runs the built <c>fedface-aggregator</c> (copied next to the tests) as an operator would, for start-up failures.</summary>
public static class AggregatorProcess
{
    public static Task<ProcessRun> RunAsync(string workingDirectory, params string[] args) =>
        RunAsync(workingDirectory, new Dictionary<string, string>(), args);

    /// <summary>Runs it with <paramref name="environment"/> added to this process's environment.</summary>
    public static async Task<ProcessRun> RunAsync(string workingDirectory, IReadOnlyDictionary<string, string> environment, params string[] args)
    {
        var start = new ProcessStartInfo(Environment.ProcessPath!)
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach ((string name, string value) in environment)
        {
            start.Environment[name] = value;
        }
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "fedface-aggregator.dll"));
        foreach (string arg in args)
        {
            start.ArgumentList.Add(arg);
        }
        using Process process = Process.Start(start)!;
        Task<string> output = process.StandardOutput.ReadToEndAsync();
        Task<string> error = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(Eventually.Patience);
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"fedface-aggregator {string.Join(' ', args)} still ran after {Eventually.Patience.TotalSeconds:F0}s");
        }
        return new ProcessRun(process.ExitCode, await output, await error);
    }

    /// <summary>The settings that point the aggregator at a test PKI, a state directory and a free port.</summary>
    public static string[] Settings(FedFace.Certs.PkiLayout pki, string stateDirectory, string initialModelPath) =>
    [
        "--Aggregator:CertificatePath", pki.AggregatorCertificate, "--Aggregator:KeyPath", pki.AggregatorKey,
        "--Aggregator:ModelSigningCertificatePath", pki.ModelSigningCertificate, "--Aggregator:ModelSigningKeyPath", pki.ModelSigningKey,
        "--Aggregator:CaCertificatePath", pki.CaCertificate, "--Aggregator:StateDirectory", stateDirectory,
        "--Aggregator:InitialModelPath", initialModelPath, "--Aggregator:Port", "0", "--Aggregator:Observability:ManagementPort", "0",
    ];
}
