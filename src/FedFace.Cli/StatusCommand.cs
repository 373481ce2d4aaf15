using System.Globalization;
using System.Security.Cryptography;
using FedFace.Protos.Admin.V1;
using FedFace.Transport;
using Google.Protobuf;
using Grpc.Core;

namespace FedFace.Cli;

/// <summary><c>fedface status</c>: asks the aggregator's admin service how the federation stands and prints it as tables.</summary>
public sealed class StatusCommand : ICliCommand
{
    public string Name => "status";
    public string Summary => "show a running federation: round and stage, sites, rounds, privacy budget, models";
    public string Usage => """
        usage: fedface status --aggregator HOST:PORT --ca FILE --cert FILE --key FILE [--json] [--timeout SECONDS]

        Asks the aggregator's admin service (its federation port, mutual TLS) and prints the round and its stage, the
        sites (last seen, rounds contributed, rounds not accepted and why), the rounds with the loss and accuracy the
        sites reported, the privacy budget, and the published models with their hashes and signatures.

          --aggregator HOST:PORT  the aggregator's address; HOST must be a name its certificate carries
          --ca FILE               the federation CA certificate (ca.crt)
          --cert FILE, --key FILE the operator certificate and key (fedface-certs writes operator.crt/.key;
                                  a site certificate is refused)
          --json                  print the report as JSON (protobuf's JSON mapping) instead of tables
          --timeout SECONDS       how long to wait for the answer (default 30); no answer by then is exit code 1

        """;

    public int Run(CommandArguments arguments, TextWriter output, TextWriter error)
    {
        ArgumentNullException.ThrowIfNull(arguments);
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(error);
        string address = Required(arguments, "aggregator");
        var endpoint = new AggregatorEndpoint(AggregatorUrl(address), Required(arguments, "cert"), Required(arguments, "key"), Required(arguments, "ca"));
        bool json = arguments.Flag("json");
        int timeoutSeconds = arguments.IntOption("timeout", 1, 3600) ?? 30;
        arguments.EnsureAllUsed(0);

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

    private static string Required(CommandArguments arguments, string name) =>
        arguments.Option(name) ?? throw new UsageException($"--{name} is required");

    /// <summary>HOST:PORT (a bracketed IPv6 address too) as the https address gRPC dials.</summary>
    private static string AggregatorUrl(string address) =>
        Uri.TryCreate($"https://{address}", UriKind.Absolute, out Uri? uri) && !uri.IsDefaultPort && uri.AbsolutePath == "/" && address.Contains(':', StringComparison.Ordinal)
            ? $"https://{address}"
            : throw new UsageException($"--aggregator must be HOST:PORT (e.g. agg.example.org:7443), got '{address}'");

    private static string Refusal(RpcException e, string address, string? aggregatorRefusal, int timeoutSeconds) =>
        aggregatorRefusal is not null ? $"refusing the aggregator at {address}: {aggregatorRefusal}"
        : e.StatusCode == StatusCode.DeadlineExceeded ? $"the aggregator at {address} did not answer within {timeoutSeconds} s"
        : e.StatusCode is StatusCode.PermissionDenied or StatusCode.Unauthenticated ? $"the aggregator refused: {e.Status.Detail}"
        : e.StatusCode == StatusCode.Unavailable ? $"cannot reach the aggregator at {address}: {e.Status.Detail}"
        : string.Create(CultureInfo.InvariantCulture, $"the aggregator at {address} answered {e.StatusCode}: {e.Status.Detail}");
}
