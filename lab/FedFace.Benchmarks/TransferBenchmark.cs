using FedFace.Aggregator;
using FedFace.Certs;
using FedFace.Core;
using FedFace.Core.Security;
using FedFace.Core.Storage;
using FedFace.Protocol;
using FedFace.Protos.V1;
using FedFace.Transport;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace FedFace.Benchmarks;

public sealed record TransferRun(Comparison Download, Comparison Upload, int Sites, long ModelBytes, string TlsProtocol, string TlsCipherSuite, Steadiness Steadiness);

/// <summary>
/// Model download and update upload through a real aggregator (AggregatorHost: Kestrel, HTTP/2, mutual TLS,
/// the round coordinator) on 127.0.0.1, against <see cref="RawTlsPipe"/> copying the same bytes. One
/// pair is one round: each of the sites downloads the round's model (hash-checked) and uploads an
/// update, one after another, so both sides move sites × 4.8 MB over a single stream at a time.
/// </summary>
public static class TransferBenchmark
{
    // The gRPC stack takes 20-30 rounds to settle; a round that still JIT-compiles more than 10 methods is not steady.
    private const int MaxWarmUpRounds = 40;

    public static async Task<TransferRun> RunAsync(int sites, int pairs, CancellationToken cancellationToken)
    {
        ModelState model = BenchModel.Create(seed: 0);
        using var federation = new BenchFederation(sites, model);
        IReadOnlyList<string> siteIds = federation.SiteIds;
        PkiLayout pki = federation.Pki;
        using ILoggerFactory quiet = LoggerFactory.Create(logging => logging.AddSimpleConsole().SetMinimumLevel(LogLevel.Warning));
        WebApplication app = federation.BuildAggregator("state", LogLevel.Warning, options =>
        {
            options.MinSites = sites;
            options.RoundDeadlineSeconds = 600;
            options.TotalRounds = MaxWarmUpRounds + pairs + 1; // one to spare
            options.WaitRetryMilliseconds = 10;
        });
        await using (app)
        {
            await app.StartAsync(cancellationToken);
            AggregatorConnection[] connections = federation.Connect(app, quiet);
            await using RawTlsPipe raw = await RawTlsPipe.OpenAsync(pki, siteIds[0]);
            try
            {
                string federationName = "";
                foreach (AggregatorConnection connection in connections)
                {
                    JoinReply joined = await connection.Client.JoinAsync(
                        new JoinRequest { ProtocolVersion = WireProtocol.Version, ClientVersion = "fedface-bench/1" }, cancellationToken: cancellationToken);
                    federationName = joined.FederationName;
                }
                // Sites verify each download's signature as they stream it, so the benchmark does too.
                ModelSignatureVerifier[] verifiers = [.. connections.Select(c => c.ModelVerifier(federationName))];
                long bytes = sites * model.DataBytes;
                var download = new Comparison("download", bytes, 1e6, "MB/s");
                var upload = new Comparison("upload", bytes, 1e6, "MB/s");
                Console.WriteLine($"Transfer: {sites} sites x {model.DataBytes / 1e6:F1} MB per direction and round, {raw.Protocol} {raw.CipherSuite}; "
                    + "peer = the same bytes over one raw TLS connection");
                ModelState delta = BenchModel.Create(seed: 1);
                int warmUp = await Steadiness.WarmUpAsync(() => RoundAsync(), minPasses: 5, maxPasses: MaxWarmUpRounds, settledMethodsPerPass: 10);
                Steadiness steadiness = await Steadiness.MeasureAsync(warmUp, async () =>
                {
                    for (int pair = 1; pair <= pairs; pair++)
                    {
                        (double rawDown, double grpcDown, double rawUp, double grpcUp) = await RoundAsync();
                        download.Add(rawDown, grpcDown, pair, pairs);
                        upload.Add(rawUp, grpcUp, pair, pairs);
                    }
                });
                return new TransferRun(download, upload, sites, model.DataBytes, raw.Protocol, raw.CipherSuite, steadiness);

                // One round, interleaved: peer then subject, download direction then upload direction.
                async Task<(double, double, double, double)> RoundAsync()
                {
                    RoundTask task = await NextTaskAsync(connections[0].Client, cancellationToken);
                    double rawDown = await raw.CopyAsync(towardsSite: true, bytes);
                    double grpcDown = await Clock.TimeAsync(() => DownloadAllAsync(connections, verifiers, task, model.DataBytes, cancellationToken));
                    double rawUp = await raw.CopyAsync(towardsSite: false, bytes);
                    double grpcUp = await Clock.TimeAsync(() => UploadAllAsync(connections, task, delta, cancellationToken));
                    return (rawDown, grpcDown, rawUp, grpcUp);
                }
            }
            finally
            {
                Array.ForEach(connections, c => c.Dispose());
                await app.StopAsync(CancellationToken.None);
            }
        }
    }

    /// <summary>Asks for work until the next round is open (the previous one commits in the background).</summary>
    internal static async Task<RoundTask> NextTaskAsync(Federation.FederationClient client, CancellationToken cancellationToken)
    {
        while (true)
        {
            TaskReply reply = await client.GetTaskAsync(new TaskRequest { ProtocolVersion = WireProtocol.Version }, cancellationToken: cancellationToken);
            switch (reply.OutcomeCase)
            {
                case TaskReply.OutcomeOneofCase.Task:
                    return reply.Task;
                case TaskReply.OutcomeOneofCase.Finished:
                    throw new InvalidOperationException($"the federation finished early: {reply.Finished.Reason}");
                default:
                    await Task.Delay(TimeSpan.FromMilliseconds(reply.Wait.RetryAfterMs), cancellationToken);
                    break;
            }
        }
    }

    private static async Task DownloadAllAsync(AggregatorConnection[] connections, ModelSignatureVerifier[] verifiers, RoundTask task, long modelBytes,
        CancellationToken cancellationToken)
    {
        for (int i = 0; i < connections.Length; i++)
        {
            await ModelTransfer.DownloadAsync(connections[i].Client, task, maxModelBytes: modelBytes, verifiers[i], cancellationToken);
        }
    }

    private static async Task UploadAllAsync(AggregatorConnection[] connections, RoundTask task, ModelState delta, CancellationToken cancellationToken)
    {
        UpdateHeader header = ModelTransfer.HeaderFor(task, delta, exampleCount: 100);
        foreach (AggregatorConnection connection in connections)
        {
            UploadReply reply = await ModelTransfer.UploadAsync(connection.Client, header, delta, cancellationToken);
            if (!reply.Accepted)
            {
                throw new InvalidOperationException($"{connection.SiteId}'s update for round {task.Round} was rejected: {reply.Rejection}: {reply.Reason}");
            }
        }
    }
}
