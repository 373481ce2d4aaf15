using System.CommandLine;

namespace FedFace.Cli;

/// <summary>One sub-command of <c>fedface</c> (e.g. <c>fedface align</c>): its command line and what it does.</summary>
public interface ICliCommand
{
    /// <summary>
    /// Its name (the word after <c>fedface</c>), description (what <c>fedface NAME --help</c> says it does, with its exit
    /// codes), arguments and options, each option with its meaning and default.
    /// </summary>
    Command Command { get; }
    /// <summary>One line for <c>fedface --help</c>'s list of commands.</summary>
    string Summary { get; }

    /// <summary>
    /// Runs the command on a parse of its command line that had no errors; returns the process exit code. Throw
    /// <see cref="UsageException"/> for arguments that are wrong together or for what they turned out to name.
    /// </summary>
    int Run(ParseResult parsed, TextWriter output, TextWriter error);
}

/// <summary>The command line was wrong: the message is one line pointing at the command's --help, exit code 2.</summary>
public sealed class UsageException(string message) : Exception(message);
