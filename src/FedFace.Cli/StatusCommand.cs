using System.CommandLine;
using System.CommandLine.Parsing;
using System.Globalization;
using System.Security.Cryptography;
using FedFace.CommandLine;
using FedFace.Protos.Admin.V1;
using FedFace.Transport;
using Google.Protobuf;
using Grpc.Core;

namespace FedFace.Cli;

/// <summary><c>fedface status</c>: asks the aggregator's admin service how the federation stands and prints it as tables.</summary>
public sealed class StatusCommand : ICliCommand
{
    private readonly Option<string> _aggregator = new("--aggregator")
    {
        Description = "The aggregator's address; HOST must be a name its certificate carries.",
        HelpName = "HOST:PORT",
        Required = true,
        Validators = { CheckAddress },
    };
    private readonly Option<string> _ca = new("--ca") { Description = "The federation CA certificate (ca.crt).", HelpName = "FILE", Required = true };
    private readonly Option<string> _cert = new("--cert")
    {
        Description = "The operator certificate (fedface-certs writes operator.crt; a site certificate is refused).",
        HelpName = "FILE",
        Required = true,
    };
    private readonly Option<string> _key = new("--key") { Description = "The operator certificate's key (operator.key).", HelpName = "FILE", Required = true };
    private readonly Option<bool> _json = new("--json") { Description = "Print the report as JSON (protobuf's JSON mapping) instead of tables." };
    private readonly Option<int> _timeout = CheckedOptions.Number("--timeout", 1, 3600, 30, "SECONDS",
        "How long to wait for the answer; no answer by then is exit code 1.");

    public StatusCommand()
    {
        Command = new Command("status", """
            Asks the aggregator's admin service (its federation port, mutual TLS) and prints the round and its stage, the
            sites (last seen, rounds contributed, rounds not accepted and why), the rounds with the loss and accuracy the
            sites reported, the privacy budget, and the published models with their hashes and signatures.

            Exit codes: 0 when the aggregator answered, 1 when it could not be reached, refused or did not answer in time,
            2 on bad arguments.
            """)
        { _aggregator, _ca, _cert, _key, _json, _timeout };
    }

    public Command Command { get; }
    public string Summary => "Show a running federation: round and stage, sites, rounds, privacy budget, models.";

    public int Run(ParseResult parsed, TextWriter output, TextWriter error)
    {
        ArgumentNullException.ThrowIfNull(parsed);
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(error);
        string address = parsed.GetRequiredValue(_aggregator);
        var endpoint = new AggregatorEndpoint($"https://{address}", parsed.GetRequiredValue(_cert), parsed.GetRequiredValue(_key), parsed.GetRequiredValue(_ca));
        bool json = parsed.GetValue(_json);
        int timeoutSeconds = parsed.GetValue(_timeout);

        FederationReport report;
        try
        {
            using var connection = new OperatorConnection(endpoint);
            try
            {
                report = connection.Admin.GetStatus(new StatusRequest(), deadline: DateTime.UtcNow.AddSeconds(timeoutSeconds));
            }
            catch (RpcException e)
            {
                error.WriteLine($"fedface status: error: {Refusal(e, address, connection.AggregatorRefusal, timeoutSeconds)}");
                return CommandDispatcher.Failure;
            }
        }
        catch (Exception e) when (e is InvalidOperationException or CryptographicException)
        {
            error.WriteLine($"fedface status: error: {e.Message}");
            return CommandDispatcher.Failure;
        }
        output.Write(json ? JsonFormatter.Default.Format(report) + Environment.NewLine : StatusTables.Format(report));
        return CommandDispatcher.Success;
    }

    /// <summary>HOST:PORT (a bracketed IPv6 address too), as the https address gRPC dials: anything else is a usage error.</summary>
    private static void CheckAddress(OptionResult result)
    {
        if (result.Tokens is [{ Value: var address }]
            && !(Uri.TryCreate($"https://{address}", UriKind.Absolute, out Uri? uri) && !uri.IsDefaultPort && uri.AbsolutePath == "/" && address.Contains(':', StringComparison.Ordinal)))
        {
            result.AddError($"--aggregator must be HOST:PORT (e.g. agg.example.org:7443), got '{address}'");
        }
    }

    private static string Refusal(RpcException e, string address, string? aggregatorRefusal, int timeoutSeconds) =>
        aggregatorRefusal is not null ? $"refusing the aggregator at {address}: {aggregatorRefusal}"
        : e.StatusCode == StatusCode.DeadlineExceeded ? $"the aggregator at {address} did not answer within {timeoutSeconds} s"
        : e.StatusCode is StatusCode.PermissionDenied or StatusCode.Unauthenticated ? $"the aggregator refused: {e.Status.Detail}"
        : e.StatusCode == StatusCode.Unavailable ? $"cannot reach the aggregator at {address}: {e.Status.Detail}"
        : string.Create(CultureInfo.InvariantCulture, $"the aggregator at {address} answered {e.StatusCode}: {e.Status.Detail}");
}
