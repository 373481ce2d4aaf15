using System.Reflection;
using FedFace.Aggregator.Rounds;
using Microsoft.Extensions.Options;

namespace FedFace.Aggregator;

/// <summary>
/// The aggregator as a process: a start-up failure (settings, certificates, initial model, damaged state, the address in
/// use) is one line on stderr and exit code 1, never a crash trace; so is a round loop that failed while running.
/// </summary>
public static class AggregatorProgram
{
    private const string Name = "fedface-aggregator";

    private const string Usage = $"""
        Usage: {Name} [--Aggregator:KEY VALUE ...]
               {Name} --version | --help
        Runs the federation's aggregator: gRPC over mutual TLS, with gRPC health and reflection.
        Settings: appsettings.json next to the binary, then environment (Aggregator__MinSites=3), then the command line
        (--Aggregator:MinSites 3). Every key is described in docs/configuration.md.
        """;

    public static async Task<int> RunAsync(string[] args, TextWriter output, TextWriter error)
    {
        if (args is ["--version"])
        {
            output.WriteLine(FedFace.Core.BuildVersion.Line(Name));
            return 0;
        }
        if (args is ["--help"] or ["-h"])
        {
            output.WriteLine(Usage);
            return 0;
        }
        WebApplication? app = null;
        try
        {
            app = AggregatorHost.Build(args);
            // Resolving the round validates the settings, loads the credentials and reads the committed state,
            // so that each failure surfaces here, before the host starts, rather than inside it.
            app.Services.GetRequiredService<RoundRunner>();
            await app.StartAsync();
        }
        catch (Exception e)
        {
            error.WriteLine($"{Name}: error: {OneLine(e)}");
            if (app is not null)
            {
                await app.DisposeAsync();
            }
            return 1;
        }
        await using (app)
        {
            await app.WaitForShutdownAsync();
            if (app.Services.GetServices<IHostedService>().OfType<RoundLoop>().Single().ExecuteTask is { IsFaulted: true } failed)
            {
                error.WriteLine($"{Name}: error: the round loop failed: {OneLine(failed.Exception!)}");
                return 1;
            }
        }
        return 0;
    }

    /// <summary>What went wrong, in one line: the innermost cause that says it, without its stack.</summary>
    public static string OneLine(Exception failure)
    {
        Exception e = failure;
        while (e is AggregateException { InnerExceptions.Count: 1 } or TargetInvocationException && e.InnerException is not null)
        {
            e = e.InnerException!;
        }
        string message = e switch
        {
            OptionsValidationException invalid => string.Join("; ", invalid.Failures),
            AggregatorStartupException or IOException or InvalidDataException or UnauthorizedAccessException
                or System.Security.Cryptography.CryptographicException => e.Message,
            _ => $"{e.GetType().Name}: {e.Message}",
        };
        return string.Join(' ', message.Split(['\r', '\n'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
    }
}
