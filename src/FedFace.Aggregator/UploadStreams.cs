using Microsoft.Extensions.Options;

namespace FedFace.Aggregator;

/// <summary>
/// The upload streams open right now: at most <see cref="AggregatorOptions.MaxUploadsPerSite"/> per site, and the bytes
/// their tensors hold (<see cref="BufferedBytes"/>, for metrics and tests), so that held-open streams cannot add up.
/// </summary>
public sealed class UploadStreams(IOptions<AggregatorOptions> options)
{
    private readonly int _maxPerSite = options.Value.MaxUploadsPerSite;
    private readonly Dictionary<string, int> _openBySite = new(StringComparer.Ordinal);
    private long _bufferedBytes;

    public int MaxPerSite => _maxPerSite;

    /// <summary>Bytes held by the tensors of uploads still streaming.</summary>
    public long BufferedBytes => Interlocked.Read(ref _bufferedBytes);

    public int OpenCount
    {
        get { lock (_openBySite) { return _openBySite.Values.Sum(); } }
    }

    /// <summary>A slot for one more stream from <paramref name="siteId"/>; null when it already holds its limit.</summary>
    public Lease? TryOpen(string siteId)
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
