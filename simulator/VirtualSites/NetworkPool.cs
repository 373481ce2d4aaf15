using System.Collections.Concurrent;
using FedFace.Learning;
using FedFace.Learning.Backbones;

namespace FedFace.Simulator.VirtualSites;

/// <summary>
/// The workers' networks: at most <c>size</c> backbones, each made once (for the global model's architecture) and lent
/// to one site's training at a time. A site waits here for a free one, so no more than <c>size</c> sites train at once.
/// When the last lent network comes back and no site waits for one, libtorch's freed memory goes back to the system
/// (<see cref="NativeMemory.ReleaseFreed"/>): once a round, not after every site, whose next training would only fault
/// the same pages in again. It also goes back when a network comes back to a process grown by more than
/// <see cref="TrimAfterGrowthBytes"/> since it last did: sites whose trainings are large then do not stack their freed
/// buffers up to the round's end, and a thousand small ones rarely grow it that much.
/// </summary>
public sealed class NetworkPool(int size) : IDisposable
{
    public const long TrimAfterGrowthBytes = 1L << 30;

    private readonly SemaphoreSlim _free = new(size, size);
    private readonly ConcurrentBag<FaceBackbone> _idle = [];
    private readonly ConcurrentBag<FaceBackbone> _all = [];
    private int _wantedOrLent;
    private long _residentAfterTrim;

    public int Size { get; } = size;

    /// <summary>A backbone of <paramref name="architecture"/> for the caller alone until it gives it back.</summary>
    public async Task<Lease> RentAsync(BackboneArchitecture architecture, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref _wantedOrLent);
        try
        {
            await _free.WaitAsync(cancellationToken);
        }
        catch (OperationCanceledException)
        {
            Interlocked.Decrement(ref _wantedOrLent);
            throw;
        }
        FaceBackbone? backbone = null;
        while (_idle.TryTake(out FaceBackbone? candidate))
        {
            if (candidate.Architecture.Name == architecture.Name)
            {
                backbone = candidate;
                break;
            }
            // Another architecture's (the federation moved on): left idle for good, disposed with the pool.
        }
        if (backbone is null)
        {
            backbone = architecture.Create();
            _all.Add(backbone);
        }
        return new Lease(this, backbone);
    }

    public void Dispose()
    {
        foreach (FaceBackbone backbone in _all)
        {
            backbone.Dispose();
        }
        _free.Dispose();
    }

    /// <summary>A lent backbone; disposing the lease gives it back.</summary>
    public sealed class Lease(NetworkPool pool, FaceBackbone backbone) : IDisposable
    {
        public FaceBackbone Backbone { get; } = backbone;

        public void Dispose()
        {
            pool._idle.Add(Backbone);
            pool._free.Release();
            bool idle = Interlocked.Decrement(ref pool._wantedOrLent) == 0;
            if (idle || Environment.WorkingSet - Interlocked.Read(ref pool._residentAfterTrim) > TrimAfterGrowthBytes)
            {
                NativeMemory.ReleaseFreed();
                Interlocked.Exchange(ref pool._residentAfterTrim, Environment.WorkingSet);
            }
        }
    }
}
