namespace FedFace.Cli;

public static class Program
{
    /// <summary>Every command the tool knows; a new command is one class and one line here.</summary>
    private static readonly ICliCommand[] Commands =
    [
        new AlignCommand(),
    ];

    public static int Main(string[] args) => CommandDispatcher.Run(Commands, args, Console.Out, Console.Error);
}
