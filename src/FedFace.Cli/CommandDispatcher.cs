using System.CommandLine;
using FedFace.CommandLine;

namespace FedFace.Cli;

/// <summary>
/// Parses <c>fedface</c>'s command line (System.CommandLine, with the conventions of every FedFace program: a usage error
/// is one line naming what was wrong, with the command or option probably meant, and exit code 2; --help; --version),
/// runs the command it names and turns failures into one-line messages and exit codes.
/// </summary>
public static class CommandDispatcher
{
    public const string Name = "fedface";
    public const int Success = ExitCodes.Success, Failure = ExitCodes.Failure, UsageError = ExitCodes.UsageError;

    private const string Description = """
        FedFace's operator command line: align, enroll, identify and evaluate faces with a federation's model, and show a
        running federation. fedface <command> --help for a command's arguments and options.

        Exit codes: 0 success, 1 an error (files, data, the aggregator), 2 a usage error.
        """;

    public static int Run(IReadOnlyList<ICliCommand> commands, IReadOnlyList<string> args, TextWriter output, TextWriter error)
    {
        ArgumentNullException.ThrowIfNull(commands);
        ArgumentNullException.ThrowIfNull(args);
        var commandLine = new ProgramCommandLine(Name, Description, settings: [], configFile: false);
        foreach (ICliCommand command in commands)
        {
            commandLine.AddCommand(command.Command, command.Summary);
        }
        if (args.Count == 0)
        {
            // No command: the list of them, where a usage error goes.
            commandLine.Parse(["--help"], error, error);
            return UsageError;
        }
        // "fedface help [COMMAND]" as "fedface [COMMAND] --help".
        CommandLineOutcome outcome = commandLine.Parse(args[0] == "help" ? [.. args.Skip(1), "--help"] : args, output, error);
        if (outcome.ExitCode is { } answered)
        {
            return answered;
        }
        ParseResult parsed = outcome.Result;
        ICliCommand? chosen = commands.FirstOrDefault(c => c.Command == parsed.CommandResult.Command);
        if (chosen is null)
        {
            error.WriteLine(ParseProblems.Line(Name, $"which command? {string.Join(", ", commands.Select(c => c.Command.Name))}"));
            return UsageError;
        }
        string where = ParseProblems.Where(Name, parsed);
        try
        {
            return chosen.Run(parsed, output, error);
        }
        catch (UsageException e)
        {
            error.WriteLine(ParseProblems.Line(where, e.Message));
            return UsageError;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException or InvalidDataException or DllNotFoundException)
        {
            // Problems with the operator's files, settings or machine (a native library missing): a clear line, not a stack trace.
            error.WriteLine($"{where}: error: {(e is ArgumentException argument ? ParseProblems.MessageOf(argument) : e.Message)}");
            return Failure;
        }
    }
}
