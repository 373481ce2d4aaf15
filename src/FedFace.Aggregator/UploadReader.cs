using FedFace.Protos.V1;
using Grpc.Core;

namespace FedFace.Aggregator;

/// <summary>Why an upload stream was cut before it ended.</summary>
public enum UploadCutCause
{
    /// <summary>The site cancelled the call or its connection dropped.</summary>
    SiteLeft,
    /// <summary>The round the upload was for closed (deadline or commit).</summary>
    RoundClosed,
    /// <summary>Nothing arrived for the chunk timeout.</summary>
    Idle,
}

/// <summary>An upload stream cut before it ended; expected, so it is logged as one line and never with a stack trace.</summary>
public sealed class UploadCutException(UploadCutCause cause, string message) : Exception(message)
{
    public UploadCutCause Cause { get; } = cause;
}

/// <summary>
/// Reads one upload stream with a deadline for every chunk, and cuts it when the site leaves or, once the header named
/// its round, when that round closes: a held-open stream holds its slot and buffers no longer than that.
/// </summary>
public sealed class UploadReader(IAsyncStreamReader<UpdateChunk> stream, CancellationToken siteLeft, TimeSpan chunkTimeout) : IDisposable
{
    private readonly CancellationTokenSource _cut = CancellationTokenSource.CreateLinkedTokenSource(siteLeft);
    private CancellationToken _roundClosed;
    private CancellationTokenRegistration _roundRegistration;

    public UpdateChunk Current => stream.Current;

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
