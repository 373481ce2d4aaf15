using System.Collections.Concurrent;
using System.Diagnostics;
using FedFace.Core.SecureAggregation;

namespace FedFace.Testing;

/// <summary>
/// Runs one secure-aggregation round with the server and every site's client in one process: a driver for the tests
/// and the benchmark (linked into both; no production code runs a round this way). Every message crosses in its byte
/// form (<c>ToBytes</c> then <c>FromBytes</c>), as over a transport, and is counted; sites listed in <see cref="Dropouts"/> stop
/// answering from the stage given; a site that refuses a request (a <see cref="SecAggProtocolException"/>)
/// stops too, and its reason is kept in the report.
/// </summary>
public sealed class InProcessSecAggRound
{
    private readonly SecAggServer _server;
    private readonly Dictionary<string, SecAggClient> _clients;
    private readonly ConcurrentDictionary<string, string> _refusals = new(StringComparer.Ordinal);
    private readonly ConcurrentBag<string> _rejections = [];
    private readonly ConcurrentDictionary<(string Site, SecAggStage Stage), StageCost> _siteCosts = new();
    private readonly Dictionary<SecAggStage, double> _serverSeconds = [];
    private readonly Dictionary<SecAggStage, double> _closeCpuSeconds = [];

    /// <param name="signers">each sampled site's signer (its certificate key).</param>
    /// <param name="masks">the sites' mask expansion (and the server's, unless <paramref name="serverMasks"/> is given).</param>
    public InProcessSecAggRound(RoundConfiguration configuration, SiteKeyRing siteKeys, IReadOnlyDictionary<string, Func<byte[], byte[]>> signers,
        MaskExpander? masks = null, MaskExpander? serverMasks = null)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        ArgumentNullException.ThrowIfNull(signers);
        _server = new SecAggServer(configuration, siteKeys, serverMasks ?? masks);
        _clients = configuration.SiteIds.ToDictionary(site => site, site => new SecAggClient(site, configuration,
            signers.TryGetValue(site, out Func<byte[], byte[]>? sign) ? sign : throw new ArgumentException($"no signer for site '{site}'", nameof(signers)),
            siteKeys, masks), StringComparer.Ordinal);
    }

    /// <summary>Site → the first stage it does not answer (it answered every stage before).</summary>
    public Dictionary<string, SecAggStage> Dropouts { get; } = new(StringComparer.Ordinal);

    /// <summary>Sites answering side by side within a stage (the server is thread-safe); 1 keeps per-site timings clean.</summary>
    public int ClientParallelism { get; init; } = 1;

    public SecAggServer Server => _server;

    public SecAggClient ClientOf(string siteId) => _clients[siteId];

    /// <summary>Runs the five stages.</summary>
    /// <param name="encodedInputOf">a site's <see cref="InputQuantizer.Encode"/> output; asked only of sites that
    /// send a masked input, so exactly those sites' inputs are in the sum.</param>
    /// <exception cref="SecAggAbortedException">too few sites survived.</exception>
    public SecAggRoundReport Run(Func<string, uint[]> encodedInputOf)
    {
        ArgumentNullException.ThrowIfNull(encodedInputOf);
        // Stage 0's request is the published configuration (each client was made with it already).
        Dictionary<string, RoundConfiguration> everyone = _clients.Keys.ToDictionary(site => site, _ => _server.Configuration, StringComparer.Ordinal);
        IReadOnlyDictionary<string, ShareKeysRequest> shareKeys = Stage(SecAggStage.AdvertiseKeys, everyone,
            c => c.ToBytes(), RoundConfiguration.FromBytes, (client, _) => client.AdvertiseKeys(), a => a.ToBytes(), KeyAdvertisement.FromBytes,
            _server.Receive, _server.CloseAdvertiseKeys);
        IReadOnlyDictionary<string, MaskedInputRequest> maskedInput = Stage(SecAggStage.ShareKeys, shareKeys,
            r => r.ToBytes(), ShareKeysRequest.FromBytes, (client, request) => client.ShareKeys(request), s => s.ToBytes(), EncryptedShares.FromBytes,
            _server.Receive, _server.CloseShareKeys);
        IReadOnlyDictionary<string, ConsistencyCheckRequest> consistencyCheck = Stage(SecAggStage.MaskedInput, maskedInput,
            r => r.ToBytes(), MaskedInputRequest.FromBytes, (client, request) => client.MaskInput(request, encodedInputOf(client.SiteId)),
            m => m.ToBytes(), MaskedInput.FromBytes, _server.Receive, _server.CloseMaskedInput);
        IReadOnlyDictionary<string, UnmaskRequest> unmask = Stage(SecAggStage.ConsistencyCheck, consistencyCheck,
            r => r.ToBytes(), ConsistencyCheckRequest.FromBytes, (client, request) => client.ConfirmSurvivors(request), s => s.ToBytes(),
            SurvivorSetSignature.FromBytes, _server.Receive, _server.CloseConsistencyCheck);
        SecAggResult result = Stage(SecAggStage.Unmask, unmask,
            r => r.ToBytes(), UnmaskRequest.FromBytes, (client, request) => client.Unmask(request), u => u.ToBytes(), UnmaskShares.FromBytes,
            _server.Receive, _server.CloseUnmask);
        return new SecAggRoundReport(result, _siteCosts.ToDictionary(e => e.Key, e => e.Value), new Dictionary<SecAggStage, double>(_serverSeconds),
            new Dictionary<string, string>(_refusals), [.. _rejections])
        {
            CloseCpuSeconds = new Dictionary<SecAggStage, double>(_closeCpuSeconds),
        };
    }

    private TNext Stage<TRequest, TAnswer, TNext>(SecAggStage stage, IReadOnlyDictionary<string, TRequest> requests,
        Func<TRequest, byte[]> requestBytes, Func<byte[], TRequest> parseRequest, Func<SecAggClient, TRequest, TAnswer> answer,
        Func<TAnswer, byte[]> answerBytes, Func<byte[], TAnswer> parseAnswer, Func<TAnswer, Acceptance> receive, Func<TNext> close)
    {
        var answering = requests.Where(r => !(Dropouts.TryGetValue(r.Key, out SecAggStage from) && from <= stage) && !_refusals.ContainsKey(r.Key)).ToList();
        double serverSeconds = 0;
        Parallel.ForEach(answering, new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, ClientParallelism) }, pair =>
        {
            (string site, TRequest request) = (pair.Key, pair.Value);
            byte[] received = requestBytes(request);
            long start = Stopwatch.GetTimestamp();
            TAnswer reply;
            try
            {
                reply = answer(_clients[site], parseRequest(received));
            }
            catch (SecAggProtocolException e)
            {
                _refusals[site] = e.Message;
                return;
            }
            double clientSeconds = Stopwatch.GetElapsedTime(start).TotalSeconds;
            byte[] sent = answerBytes(reply);
            _siteCosts[(site, stage)] = new StageCost(received.Length, sent.Length, clientSeconds);
            TAnswer delivered = parseAnswer(sent);
            long serverStart = Stopwatch.GetTimestamp();
            Acceptance acceptance = receive(delivered);
            lock (_serverSeconds) serverSeconds += Stopwatch.GetElapsedTime(serverStart).TotalSeconds;
            if (!acceptance.IsAccepted) _rejections.Add(acceptance.Reason);
        });
        long closeStart = Stopwatch.GetTimestamp();
        // Nothing else runs in this process while a stage closes: its CPU time is the server's, on all its threads.
        TimeSpan closeCpuStart = Process.GetCurrentProcess().TotalProcessorTime;
        try
        {
            return close();
        }
        finally
        {
            _serverSeconds[stage] = serverSeconds + Stopwatch.GetElapsedTime(closeStart).TotalSeconds;
            _closeCpuSeconds[stage] = (Process.GetCurrentProcess().TotalProcessorTime - closeCpuStart).TotalSeconds;
        }
    }
}

/// <summary>One site's cost in one stage: bytes it received and sent (message byte forms) and its compute time.</summary>
public sealed record StageCost(long BytesReceived, long BytesSent, double Seconds);

/// <summary>The outcome of an <see cref="InProcessSecAggRound"/>: the result, per-site per-stage costs, the
/// server's seconds per stage (receiving and closing), why sites refused, and what the server rejected.</summary>
public sealed record SecAggRoundReport(SecAggResult Result, IReadOnlyDictionary<(string Site, SecAggStage Stage), StageCost> SiteCosts,
    IReadOnlyDictionary<SecAggStage, double> ServerSeconds, IReadOnlyDictionary<string, string> Refusals, IReadOnlyList<string> Rejections)
{
    /// <summary>The process's CPU seconds (every thread) while the server closed each stage.</summary>
    public IReadOnlyDictionary<SecAggStage, double> CloseCpuSeconds { get; init; } = new Dictionary<SecAggStage, double>();

    /// <summary>Bytes a site sent over the whole round.</summary>
    public long BytesSentBy(string siteId) => SiteCosts.Where(c => c.Key.Site == siteId).Sum(c => c.Value.BytesSent);
}
