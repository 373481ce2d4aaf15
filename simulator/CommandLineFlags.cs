namespace FedFace.Simulator;

/// <summary>Lets on/off switches stand alone on the command line (Microsoft.Extensions.Configuration wants a value for every key).</summary>
public static class CommandLineFlags
{
    /// <summary><paramref name="args"/> with "true" after each of <paramref name="flags"/> not followed by a value.</summary>
    public static string[] WithValues(IReadOnlyList<string> args, IReadOnlyCollection<string> flags)
    {
        var result = new List<string>();
        for (int i = 0; i < args.Count; i++)
        {
            result.Add(args[i]);
            if (flags.Contains(args[i]) && (i + 1 == args.Count || args[i + 1].StartsWith("--", StringComparison.Ordinal)))
            {
                result.Add("true");
            }
        }
        return [.. result];
    }
}
