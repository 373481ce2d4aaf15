using System.Collections.Concurrent;
using FedFace.Learning;
using FedFace.Learning.Backbones;

namespace FedFace.Simulator.VirtualSites;

/// <summary>
/// The workers' networks: at most <c>size</c> backbones, each made once (for the global model's architecture) and lent
/// to one site's training at a time. A site waits here for a free one, so no more than <c>size</c> sites train at once.
/// Each time a network comes back, libtorch's freed memory goes back to the system (<see cref="NativeMemory.ReleaseFreed"/>):
/// kept until the pool fell idle, a round's freed training buffers stayed resident on top of the next site's (sites train
/// on whichever pool thread runs them), for no measurable saving of time.
/// </summary>
public sealed class NetworkPool(int size) : IDisposable
{
    private readonly SemaphoreSlim _free = new(size, size);
    private readonly ConcurrentBag<FaceBackbone> _idle = [];
    private readonly ConcurrentBag<FaceBackbone> _all = [];

    public int Size { get; } = size;

    /// <summary>A backbone of <paramref name="architecture"/> for the caller alone until it gives it back.</summary>
    public async Task<Lease> RentAsync(BackboneArchitecture architecture, CancellationToken cancellationToken)
    {
        await _free.WaitAsync(cancellationToken);
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
            NativeMemory.ReleaseFreed();
        }
    }
}
