using System.CommandLine;
using System.CommandLine.Invocation;
using System.Security.Cryptography;
using FedFace.CommandLine;
using FedFace.Core;

namespace FedFace.Certs;

/// <summary>
/// The fedface-certs command line: make the PKI (and every site's kit), make one site's kit (issuing its certificate
/// when it is new), revoke a site. Usage errors exit 2, failures 1, each with one line and no stack trace.
/// </summary>
internal static class Cli
{
    private const string Name = "fedface-certs";

    public static int Run(string[] args, TextWriter output, TextWriter error)
    {
        ParseResult parsed = Commands().Parse(args);
        // --help and --version answer even when the options a command needs are missing.
        if (parsed.Errors.Count > 0 && parsed.Action is ParseErrorAction or null)
        {
            string where = ParseProblems.Where(Name, parsed);
            error.WriteLine(ParseProblems.Line(where, ParseProblems.OneLine(parsed)));
            return ExitCodes.UsageError;
        }
        try
        {
            return parsed.Invoke(new InvocationConfiguration { Output = output, Error = error, EnableDefaultExceptionHandler = false });
        }
        catch (Exception e) when (e is InvalidOperationException or ArgumentException or IOException or UnauthorizedAccessException or CryptographicException)
        {
            error.WriteLine($"{Name}: {e.Message}");
            return 1;
        }
    }

    private static int UsageError(TextWriter error, string problem)
    {
        error.WriteLine(ParseProblems.Line(Name, problem));
        return ExitCodes.UsageError;
    }

    private static RootCommand Commands()
    {
        var directory = new Option<string>("--out") { Description = "The PKI folder (created if missing): ca.crt/.key, aggregator.crt/.key, model-signing.crt/.key, operator.crt/.key, sites/<id>.crt/.key (required)" };
        var sites = PositiveInt("--sites", "Number of site certificates (ids <prefix>-01 … <prefix>-NN); run again with a larger N to add sites (required)");
        var prefix = new Option<string>("--site-prefix") { Description = "Site id prefix", DefaultValueFactory = _ => "site" };
        var aggregatorNames = new Option<string[]>("--aggregator-name")
        {
            Description = "Extra DNS name or IP address of the aggregator; repeatable (localhost, 127.0.0.1 and ::1 are always included)",
            DefaultValueFactory = _ => [],
        };
        var federation = new Option<string>("--federation") { Description = "Federation name, used in subjects", DefaultValueFactory = _ => "FedFace" };
        var days = Days();
        var kitsUrl = HttpsUrl("--aggregator-url", "Also write every site's startup kit (to <out>/kits) for the aggregator at this https URL", required: false);

        var root = new RootCommand("""
            Makes the federation PKI: the CA, the aggregator's TLS pair, its model-signing pair and one certificate per site (PEM;
            keys mode 0600). Run again with a larger --sites to add sites: the CA and existing certificates are kept, and no
            existing key is ever overwritten. Give each site its startup kit (fedface-certs kit); never copy ca.key.
            """)
        { directory, sites, prefix, aggregatorNames, federation, days, kitsUrl, KitCommand(), RevokeCommand() };
        root.Options.OfType<VersionOption>().Single().Action = new PrintVersion();
        root.SetAction(parsed =>
        {
            TextWriter output = parsed.InvocationConfiguration.Output;
            // Not Required options: System.CommandLine would then demand them of the kit and revoke commands too.
            if (parsed.GetResult(directory) is null || parsed.GetResult(sites) is null)
            {
                return UsageError(parsed.InvocationConfiguration.Error, "--out and --sites are required to make the PKI");
            }
            IReadOnlyList<string> siteIds = SiteIds.Numbered(parsed.GetRequiredValue(prefix), parsed.GetRequiredValue(sites));
            PkiLayout layout = FederationPki.Create(parsed.GetRequiredValue(directory), siteIds, parsed.GetRequiredValue(aggregatorNames),
                parsed.GetRequiredValue(federation), parsed.GetRequiredValue(days), output.WriteLine);
            if (parsed.GetValue(kitsUrl) is { } url)
            {
                foreach (string siteId in siteIds)
                    StartupKits.Write(layout, siteId, new Uri(url), validityDays: parsed.GetRequiredValue(days), report: output.WriteLine);
                PrintFingerprint(output, layout);
            }
            output.WriteLine($"Federation PKI ready in {layout.Directory}: give each site its kit (or ca.crt and its own sites/<id>.crt and .key); never copy ca.key.");
            return 0;
        });
        return root;
    }

    private static Command KitCommand()
    {
        var pki = Pki();
        var site = Site("The site; a new site gets its certificate now, the others' are kept");
        var url = HttpsUrl("--aggregator-url", "The aggregator's https URL, as the site dials it (a name its certificate carries)", required: true);
        var kits = new Option<string?>("--kits") { Description = "Where to write <site>.zip (default: <pki>/kits)" };
        var days = Days();
        var command = new Command("kit", """
            Writes one site's startup kit, <site>.zip: its certificate and key, the CA, starter settings, a start script and a
            systemd unit, with a manifest of their SHA-256 hashes signed by the CA. Prints the CA fingerprint: tell it to the
            site by another channel; the site starts with fedface-site --kit <site>.zip --kit-ca-fingerprint <it>.
            """)
        { pki, site, url, kits, days };
        command.SetAction(parsed =>
        {
            TextWriter output = parsed.InvocationConfiguration.Output;
            var layout = new PkiLayout(Path.GetFullPath(parsed.GetRequiredValue(pki)));
            StartupKit kit = StartupKits.Write(layout, parsed.GetRequiredValue(site), new Uri(parsed.GetRequiredValue(url)), parsed.GetValue(kits),
                parsed.GetRequiredValue(days), output.WriteLine);
            PrintFingerprint(output, layout);
            output.WriteLine($"Give {kit.SiteId} the file {kit.Path} (it holds the site's key: hand it over as you would a password).");
            return 0;
        });
        return command;
    }

    private static Command RevokeCommand()
    {
        var pki = Pki();
        var site = Site("The site whose certificate is revoked");
        var command = new Command("revoke", """
            Adds the site's certificate to the federation's revocation list, <pki>/revoked.crl (a CRL signed by the CA). The
            aggregator reads it beside its ca.crt (or from Aggregator:Revocation:ListPath) and refuses the site's next call,
            without a restart.
            """)
        { pki, site };
        command.SetAction(parsed =>
        {
            TextWriter output = parsed.InvocationConfiguration.Output;
            var layout = new PkiLayout(Path.GetFullPath(parsed.GetRequiredValue(pki)));
            FederationRevocation.Revoke(layout, parsed.GetRequiredValue(site), output.WriteLine);
            output.WriteLine($"An aggregator reading {layout.RevocationList} (beside its ca.crt, or Aggregator:Revocation:ListPath) refuses the site's next call.");
            return 0;
        });
        return command;
    }

    private static void PrintFingerprint(TextWriter output, PkiLayout layout)
    {
        using var ca = FedFace.Core.Security.FederationTrust.LoadCertificate(layout.CaCertificate);
        output.WriteLine($"CA fingerprint (SHA-256): {FedFace.Core.Security.StartupKitManifest.Fingerprint(ca)}");
    }

    private static Option<string> Pki() => new("--pki") { Description = "The PKI folder (made by fedface-certs --out), holding ca.key", Required = true };

    private static Option<string> Site(string description)
    {
        var option = new Option<string>("--site") { Description = description + " (like site-01)", Required = true };
        option.Validators.Add(result =>
        {
            try { SiteIds.Validate(result.GetValueOrDefault<string>() ?? ""); }
            catch (ArgumentException e) { result.AddError(e.Message.Split(" (Parameter", 2)[0]); }
        });
        return option;
    }

    private static Option<int> Days() => PositiveInt("--days", "Validity of new certificates in days", defaultValue: 365);

    private static Option<int> PositiveInt(string name, string description, int? defaultValue = null)
    {
        var option = new Option<int>(name) { Description = description };
        if (defaultValue is { } value) option.DefaultValueFactory = _ => value;
        option.Validators.Add(result =>
        {
            // A token that is no number at all was already reported by the parser.
            string? token = result.Tokens.FirstOrDefault()?.Value;
            if (!result.Implicit && int.TryParse(token, System.Globalization.CultureInfo.InvariantCulture, out int value) && value <= 0)
                result.AddError($"{name} must be a positive whole number, not '{token}'.");
        });
        return option;
    }

    private static Option<string> HttpsUrl(string name, string description, bool required)
    {
        var option = new Option<string>(name) { Description = description, Required = required };
        option.Validators.Add(result =>
        {
            string text = result.GetValueOrDefault<string>() ?? "";
            if (!Uri.TryCreate(text, UriKind.Absolute, out Uri? url) || url.Scheme != Uri.UriSchemeHttps)
                result.AddError($"{name} must be an https URL like https://fl.example.org:7443, not '{text}'.");
        });
        return option;
    }

    /// <summary>The build-wide version, as every FedFace executable prints it.</summary>
    private sealed class PrintVersion : SynchronousCommandLineAction
    {
        public override int Invoke(ParseResult parseResult)
        {
            parseResult.InvocationConfiguration.Output.WriteLine(BuildVersion.Line(Name));
            return 0;
        }
    }
}
