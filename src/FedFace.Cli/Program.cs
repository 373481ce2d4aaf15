namespace FedFace.Cli;

public static class Program
{
    /// <summary>
    /// Every command the tool knows, made anew for each command line (a System.CommandLine command belongs to the one
    /// parser it is added to); a new command is one class and one line here.
    /// </summary>
    public static IReadOnlyList<ICliCommand> Commands =>
    [
        new AlignCommand(),
        new EnrollCommand(),
        new IdentifyCommand(),
        new EvaluateCommand(),
        new StatusCommand(),
    ];

    public static int Main(string[] args) => CommandDispatcher.Run(Commands, args, Console.Out, Console.Error);
}
