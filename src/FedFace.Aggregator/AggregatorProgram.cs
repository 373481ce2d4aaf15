using System.Reflection;
using FedFace.Aggregator.Rounds;
using FedFace.CommandLine;
using Microsoft.Extensions.Options;

namespace FedFace.Aggregator;

/// <summary>
/// The aggregator as a process: a usage error (an unknown flag or settings key, a value of the wrong type) is one line
/// and exit code 2; a start-up failure (settings, certificates, initial model, damaged state, the address in use) is one
/// line on stderr and exit code 1, never a crash trace; so is a round loop that failed while running.
/// </summary>
public static class AggregatorProgram
{
    private const string Name = AggregatorCommandLine.Name;

    public static async Task<int> RunAsync(string[] args, TextWriter output, TextWriter error)
    {
        CommandLineOutcome parsed = AggregatorCommandLine.Create().Parse(args, output, error);
        if (parsed.ExitCode is { } answered)
        {
            return answered;
        }
        WebApplication? app = null;
        try
        {
            string home = SettingsPaths.Home(parsed.ConfigFile);
            app = AggregatorHost.Build(AggregatorCommandLine.ConfigurationArguments(parsed), options => SettingsPaths.Resolve(options, home));
            // Resolving the round validates the settings, loads the credentials and reads the committed state,
            // so that each failure surfaces here, before the host starts, rather than inside it.
            app.Services.GetRequiredService<RoundRunner>();
            await app.StartAsync();
        }
        catch (UnknownSettingsException e)
        {
            error.WriteLine($"{Name}: {e.Message}");
            return ExitCodes.UsageError;
        }
        catch (Exception e)
        {
            error.WriteLine($"{Name}: error: {OneLine(e)}");
            if (app is not null)
            {
                await app.DisposeAsync();
            }
            return ExitCodes.Failure;
        }
        await using (app)
        {
            await app.WaitForShutdownAsync();
            if (app.Services.GetServices<IHostedService>().OfType<RoundLoop>().Single().ExecuteTask is { IsFaulted: true } failed)
            {
                error.WriteLine($"{Name}: error: the round loop failed: {OneLine(failed.Exception!)}");
                return ExitCodes.Failure;
            }
        }
        return ExitCodes.Success;
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
