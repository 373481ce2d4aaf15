namespace FedFace.Transport.Kits;

/// <summary>
/// <c>fedface-site --kit KIT.zip (--kit-ca-fingerprint SHA256 | --kit-ca CA.crt) [--kit-dir DIR] [--Site:KEY VALUE ...]</c>:
/// checks the kit, unpacks its certificate, key and CA, and turns it into the site's settings (<see cref="Settings"/>,
/// which fedface-site layers over its settings files, under the environment and the flags; <see cref="Expand"/> puts
/// them first on a command line instead).
/// </summary>
public static class SiteKitArguments
{
    public const string Usage = "--kit KIT.zip (--kit-ca-fingerprint SHA256 | --kit-ca CA.crt) [--kit-dir DIR]";

    /// <summary>The arguments with the kit's settings in place of the kit flags; unchanged when there is no --kit.</summary>
    /// <exception cref="StartupKitException">a usage mistake or a refused kit, with the one-line reason.</exception>
    public static string[] Expand(string[] args)
    {
        var rest = new List<string>();
        string? kit = null, caFile = null, fingerprint = null, directory = null;
        for (int i = 0; i < args.Length; i++)
        {
            string Value() => i + 1 < args.Length ? args[++i] : throw new StartupKitException($"{args[i]} needs a value ({Usage})");
            switch (args[i])
            {
                case "--kit": kit = Value(); break;
                case "--kit-ca": caFile = Value(); break;
                case "--kit-ca-fingerprint": fingerprint = Value(); break;
                case "--kit-dir": directory = Value(); break;
                default: rest.Add(args[i]); break;
            }
        }
        return [.. Settings(kit, caFile, fingerprint, directory).Select(setting => $"--{setting.Key}={setting.Value}"), .. rest];
    }

    /// <summary>The kit's settings, keys like <c>Site:AggregatorUrl</c> (none without a kit): the kit checked, then unpacked.</summary>
    /// <exception cref="StartupKitException">a usage mistake or a refused kit, with the one-line reason.</exception>
    public static IReadOnlyList<KeyValuePair<string, string?>> Settings(string? kit, string? caFile, string? fingerprint, string? directory)
    {
        if (kit is null)
        {
            return (caFile ?? fingerprint ?? directory) is null ? [] : throw new StartupKitException($"--kit-ca, --kit-ca-fingerprint and --kit-dir go with --kit ({Usage})");
        }
        KitTrust trust = (caFile, fingerprint) switch
        {
            (null, null) => throw new StartupKitException($"--kit needs --kit-ca-fingerprint (printed by fedface-certs kit) or --kit-ca (the federation CA you already hold): the CA inside a kit cannot vouch for the kit"),
            (not null, not null) => throw new StartupKitException("give --kit-ca or --kit-ca-fingerprint, not both"),
            (not null, _) => new KitTrust.CaFile(caFile),
            _ => new KitTrust.Fingerprint(fingerprint!),
        };
        VerifiedStartupKit verified;
        try
        {
            verified = VerifiedStartupKit.Open(kit, trust);
        }
        catch (StartupKitException e)
        {
            throw new StartupKitException($"kit '{kit}' refused: {e.Message}");
        }
        string target = directory ?? Path.ChangeExtension(Path.GetFullPath(kit), ".kit");
        UnpackedKit unpacked;
        try
        {
            unpacked = verified.Unpack(target);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new StartupKitException($"cannot unpack kit '{kit}' into '{target}' ({e.Message}); choose a writable folder with --kit-dir");
        }
        IEnumerable<KeyValuePair<string, string>> settings = unpacked.Settings.Concat([
            new("Site:CertificatePath", unpacked.CertificatePath), new("Site:KeyPath", unpacked.KeyPath), new("Site:CaCertificatePath", unpacked.CaCertificatePath)]);
        return [.. settings.Select(setting => KeyValuePair.Create(setting.Key, (string?)setting.Value))];
    }
}
