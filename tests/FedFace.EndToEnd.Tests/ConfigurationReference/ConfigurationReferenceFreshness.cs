namespace FedFace.EndToEnd.Tests.ConfigurationReference;

/// <summary>Whether the committed reference is what the settings classes generate today, and if not, what to run.</summary>
internal static class ConfigurationReferenceFreshness
{
    /// <summary>Set to 1, the freshness test writes the generated reference instead of comparing it.</summary>
    public const string WriteVariable = "FEDFACE_WRITE_CONFIGURATION_REFERENCE";

    /// <summary>Null when <paramref name="committed"/> is current, else a sentence naming the first difference and the command that regenerates it.</summary>
    public static string? Problem(string? committed, string generated)
    {
        if (committed is null)
        {
            return $"{ConfigurationReferenceDocument.RelativePath} is missing; generate it with: {ConfigurationReferenceDocument.RegenerateCommand}";
        }
        string[] old = Lines(committed), now = Lines(generated);
        int line = 0;
        while (line < old.Length && line < now.Length && old[line] == now[line])
        {
            line++;
        }
        if (line == old.Length && line == now.Length)
        {
            return null;
        }
        return $"{ConfigurationReferenceDocument.RelativePath} is stale: the settings classes changed (first difference at line {line + 1}: " +
            $"committed '{(line < old.Length ? old[line] : "(end of file)")}', generated '{(line < now.Length ? now[line] : "(end of file)")}'); " +
            $"regenerate it with: {ConfigurationReferenceDocument.RegenerateCommand}";
    }

    /// <summary>The checkout holding the test binaries.</summary>
    public static string RepositoryRoot() => Checkout.Root();

    private static string[] Lines(string text) => text.ReplaceLineEndings("\n").TrimEnd('\n').Split('\n');
}
