using System.Globalization;

namespace FedFace.Certs;

/// <summary>
/// The fedface-certs command line. Parsed by hand: it is six options, one of them repeatable, and the
/// configuration binder would merge repeated --aggregator-name values instead of collecting them.
/// </summary>
internal static class Cli
{
    internal const string Usage = """
        Usage: fedface-certs --out DIR --sites N [--site-prefix site] [--aggregator-name NAME ...]
                             [--federation FedFace] [--days 365]

        Makes the federation PKI in DIR: ca.crt/ca.key, aggregator.crt/aggregator.key (TLS),
        model-signing.crt/model-signing.key (the aggregator's model signatures, no TLS),
        operator.crt/operator.key (fedface status and the dashboard; never joins) and
        sites/<prefix>-01.crt/.key … sites/<prefix>-NN.crt/.key (PEM; keys mode 0600).
        Run again with a larger N to add sites: the CA and existing certificates are kept,
        and no existing key is ever overwritten.

          --out DIR              output folder (created if missing)
          --sites N              number of site certificates (ids <prefix>-01 … <prefix>-NN)
          --site-prefix TEXT     site id prefix (default: site)
          --aggregator-name NAME extra DNS name or IP address of the aggregator; repeatable
                                 (localhost, 127.0.0.1 and ::1 are always included)
          --federation NAME      federation name, used in subjects (default: FedFace)
          --days N               validity of new certificates in days (default: 365)
        """;

    public static int Run(string[] args, TextWriter output, TextWriter error)
    {
        Options options;
        try
        {
            options = Parse(args);
        }
        catch (ArgumentException e)
        {
            error.WriteLine($"fedface-certs: {e.Message}");
            error.WriteLine();
            error.WriteLine(Usage);
            return 2;
        }
        if (options.Help)
        {
            output.WriteLine(Usage);
            return 0;
        }

        try
        {
            IReadOnlyList<string> siteIds = SiteIds.Numbered(options.SitePrefix, options.Sites);
            PkiLayout layout = FederationPki.Create(options.Out, siteIds, options.AggregatorNames, options.Federation, options.Days, output.WriteLine);
            output.WriteLine($"Federation PKI ready in {layout.Directory}: give each site ca.crt and its own sites/<id>.crt and .key; never copy ca.key.");
            return 0;
        }
        catch (Exception e) when (e is InvalidOperationException or ArgumentException or IOException or UnauthorizedAccessException)
        {
            error.WriteLine($"fedface-certs: {e.Message}");
            return 1;
        }
    }

    private sealed record Options(string Out, int Sites, string SitePrefix, List<string> AggregatorNames, string Federation, int Days, bool Help);

    private static Options Parse(string[] args)
    {
        string? outDirectory = null, sitePrefix = null, federation = null;
        int? sites = null, days = null;
        var aggregatorNames = new List<string>();
        for (int i = 0; i < args.Length; i++)
        {
            string Value() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value.");
            switch (args[i])
            {
                case "-h" or "--help": return new Options("", 0, "", [], "", 0, Help: true);
                case "--out": outDirectory = Value(); break;
                case "--sites": sites = PositiveInt("--sites", Value()); break;
                case "--site-prefix": sitePrefix = Value(); break;
                case "--aggregator-name": aggregatorNames.Add(Value()); break;
                case "--federation": federation = Value(); break;
                case "--days": days = PositiveInt("--days", Value()); break;
                default: throw new ArgumentException($"Unknown argument '{args[i]}'.");
            }
        }
        return new Options(
            outDirectory ?? throw new ArgumentException("--out is required."),
            sites ?? throw new ArgumentException("--sites is required."),
            sitePrefix ?? "site", aggregatorNames, federation ?? "FedFace", days ?? 365, Help: false);
    }

    private static int PositiveInt(string option, string text) =>
        int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out int value) && value > 0
            ? value
            : throw new ArgumentException($"{option} must be a positive whole number, not '{text}'.");
}
