using Grpc.Core;
using Microsoft.Extensions.Options;

namespace FedFace.Aggregator;

/// <summary>
/// The upload streams open right now, plain updates and masked inputs alike (a site has one thing to send per round): at
/// most <see cref="AggregatorOptions.MaxUploadsPerSite"/> per site, and the bytes their buffers hold
/// (<see cref="BufferedBytes"/>, for metrics and tests), so that held-open streams cannot add up.
/// </summary>
public sealed class UploadStreams(IOptions<AggregatorOptions> options, ILogger<UploadStreams> logger)
{
    private readonly int _maxPerSite = options.Value.MaxUploadsPerSite;
    private readonly Dictionary<string, int> _openBySite = new(StringComparer.Ordinal);
    private long _bufferedBytes;

    /// <summary>Bytes held by the tensors of uploads still streaming.</summary>
    public long BufferedBytes => Interlocked.Read(ref _bufferedBytes);

    public int OpenCount
    {
        get { lock (_openBySite) { return _openBySite.Values.Sum(); } }
    }

    /// <summary>A slot for one more stream from <paramref name="siteId"/>; null when it already holds its limit.</summary>
    private Lease? TryOpen(string siteId)
    {
        lock (_openBySite)
        {
            int open = _openBySite.GetValueOrDefault(siteId);
            if (open >= _maxPerSite)
            {
                return null;
            }
            _openBySite[siteId] = open + 1;
            return new Lease(this, siteId);
        }
    }

    /// <summary>A slot for one more stream from <paramref name="siteId"/>; when it already holds its limit, logs one line and refuses the call.</summary>
    public Lease Open(string siteId)
    {
        if (TryOpen(siteId) is { } lease)
        {
            return lease;
        }
        logger.LogWarning("Refused an upload stream from {Site}: it already holds {Limit} open", siteId, _maxPerSite);
        throw new RpcException(new Status(StatusCode.ResourceExhausted,
            $"site {siteId} already has {_maxPerSite} upload streams open (Aggregator:MaxUploadsPerSite); finish or cancel one first"));
    }

    private void Close(string siteId, long bytes)
    {
        Interlocked.Add(ref _bufferedBytes, -bytes);
        lock (_openBySite)
        {
            int open = _openBySite[siteId] - 1;
            if (open == 0)
            {
                _openBySite.Remove(siteId);
            }
            else
            {
                _openBySite[siteId] = open;
            }
        }
    }

    /// <summary>One open stream; disposing it gives back its slot and its bytes.</summary>
    public sealed class Lease(UploadStreams streams, string siteId) : IDisposable
    {
        private long _bytes;
        private bool _disposed;

        /// <summary>The stream's buffers now hold <paramref name="bytes"/>.</summary>
        public void Holding(long bytes)
        {
            Interlocked.Add(ref streams._bufferedBytes, bytes - _bytes);
            _bytes = bytes;
        }

        public void Dispose()
        {
            if (!_disposed)
            {
                _disposed = true;
                streams.Close(siteId, _bytes);
            }
        }
    }
}
