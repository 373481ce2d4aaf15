namespace FedFace.Cli;

/// <summary>One sub-command of <c>fedface</c> (e.g. <c>fedface align</c>).</summary>
public interface ICliCommand
{
    /// <summary>The word after <c>fedface</c> that selects this command.</summary>
    string Name { get; }
    /// <summary>One line for the command list.</summary>
    string Summary { get; }
    /// <summary>The full usage text shown by <c>fedface NAME --help</c> and after a usage error.</summary>
    string Usage { get; }

    /// <summary>Runs the command; returns the process exit code. Throw <see cref="UsageException"/> for bad arguments.</summary>
    int Run(CommandArguments arguments, TextWriter output, TextWriter error);
}

/// <summary>The command line was wrong: the message is shown with the command's usage, exit code 2.</summary>
public sealed class UsageException(string message) : Exception(message);
