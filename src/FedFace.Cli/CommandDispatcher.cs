using FedFace.CommandLine;
using FedFace.Core;

namespace FedFace.Cli;

/// <summary>
/// Picks the command named by the first argument and turns failures into messages and exit codes: a usage error is one
/// line naming what was wrong (with the command or option probably meant) and exit code 2, as in every FedFace program.
/// </summary>
public static class CommandDispatcher
{
    public const int Success = ExitCodes.Success, Failure = ExitCodes.Failure, UsageError = ExitCodes.UsageError;

    public static int Run(IReadOnlyList<ICliCommand> commands, IReadOnlyList<string> args, TextWriter output, TextWriter error)
    {
        ArgumentNullException.ThrowIfNull(commands);
        ArgumentNullException.ThrowIfNull(args);
        if (args.Count == 0 || args[0] is "help" or "--help" or "-h")
        {
            (args.Count == 0 ? error : output).Write(Overview(commands));
            return args.Count == 0 ? UsageError : Success;
        }
        if (args is ["--version"])
        {
            output.WriteLine(BuildVersion.Line("fedface"));
            return Success;
        }
        ICliCommand? command = commands.FirstOrDefault(c => c.Name == args[0]);
        if (command is null)
        {
            string what = args[0].StartsWith('-') ? "option" : "command";
            error.WriteLine($"fedface: unknown {what} '{args[0]}'{Suggestions.Hint(args[0], commands.Select(c => c.Name).Append("--help").Append("--version"))} (see fedface --help)");
            return UsageError;
        }
        if (args.Skip(1).Any(a => a is "--help" or "-h"))
        {
            output.Write(command.Usage);
            return Success;
        }
        try
        {
            return command.Run(new CommandArguments(args.Skip(1)), output, error);
        }
        catch (UsageException e)
        {
            error.WriteLine($"fedface {command.Name}: {e.Message} (see fedface {command.Name} --help)");
            return UsageError;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException or InvalidDataException or DllNotFoundException)
        {
            // Problems with the operator's files, settings or machine (a native library missing): a clear line, not a stack trace.
            string message = e is ArgumentException { ParamName: { } name } ? e.Message.Replace($" (Parameter '{name}')", "", StringComparison.Ordinal) : e.Message;
            error.WriteLine($"fedface {command.Name}: error: {message}");
            return Failure;
        }
    }

    private static string Overview(IReadOnlyList<ICliCommand> commands)
    {
        int width = commands.Max(c => c.Name.Length);
        return "usage: fedface <command> [options]   (fedface <command> --help for its options; fedface --version)\n\ncommands:\n"
            + string.Concat(commands.Select(c => $"  {c.Name.PadRight(width)}  {c.Summary}\n"));
    }
}
