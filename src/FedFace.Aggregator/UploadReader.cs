using Grpc.Core;

namespace FedFace.Aggregator;

/// <summary>Why an upload stream was cut before it ended.</summary>
public enum UploadCutCause
{
    /// <summary>The site cancelled the call or its connection dropped.</summary>
    SiteLeft,
    /// <summary>The round the upload was for closed (deadline or commit); for a masked input, the round's masked-input stage did.</summary>
    RoundClosed,
    /// <summary>Nothing arrived for the chunk timeout.</summary>
    Idle,
}

/// <summary>An upload stream cut before it ended; expected, so it is logged as one line and never with a stack trace.</summary>
public sealed class UploadCutException(UploadCutCause cause, string message) : Exception(message)
{
    public UploadCutCause Cause { get; } = cause;

    /// <summary>
    /// Logs the cut as one line and gives the status the call ends with, for a cut other than by the round (whose upload
    /// gets a refusal in the reply instead): the site left, or went silent.
    /// </summary>
    public RpcException Answer(ILogger logger, string what, string siteId)
    {
        ArgumentNullException.ThrowIfNull(logger);
        logger.LogWarning("{What} from {Site} cut: {Reason}", what, siteId, Message);
        return new RpcException(new Status(Cause == UploadCutCause.Idle ? StatusCode.DeadlineExceeded : StatusCode.Cancelled, $"upload cut: {Message}"));
    }
}

/// <summary>
/// Reads one upload stream (a plain update's or a masked input's chunks) with a deadline for every chunk, and cuts it when
/// the site leaves or, once the header named its round, when that round (or its masked-input stage) closes: a held-open
/// stream holds its slot and buffers no longer than that.
/// </summary>
public sealed class UploadReader<TChunk>(IAsyncStreamReader<TChunk> stream, CancellationToken siteLeft, TimeSpan chunkTimeout) : IDisposable
{
    private readonly CancellationTokenSource _cut = CancellationTokenSource.CreateLinkedTokenSource(siteLeft);
    private CancellationToken _roundClosed;
    private CancellationTokenRegistration _roundRegistration;

    public TChunk Current => stream.Current;

    /// <summary>From now on the stream is cut when <paramref name="roundClosed"/> is cancelled (at once if it already is).</summary>
    public void CutWhen(CancellationToken roundClosed)
    {
        _roundClosed = roundClosed;
        _roundRegistration = roundClosed.Register(() => _cut.Cancel());
    }

    public async Task<bool> MoveNextAsync()
    {
        _cut.CancelAfter(chunkTimeout);
        try
        {
            return await stream.MoveNext(_cut.Token);
        }
        catch (Exception e) when (e is OperationCanceledException or IOException)
        {
            throw siteLeft.IsCancellationRequested || e is IOException ? new UploadCutException(UploadCutCause.SiteLeft, $"the site left ({e.Message})")
                : _roundClosed.IsCancellationRequested ? new UploadCutException(UploadCutCause.RoundClosed, "its round closed before the data was complete")
                : new UploadCutException(UploadCutCause.Idle, $"no data arrived for {chunkTimeout.TotalSeconds:G} s");
        }
    }

    public void Dispose()
    {
        _roundRegistration.Dispose();
        _cut.Dispose();
    }
}
