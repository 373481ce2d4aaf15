using FedFace.Core;
using Google.Protobuf;

namespace FedFace.Client;

/// <summary>
/// What the many sites of one process (a simulator's virtual sites) share, so that a thousand of them in a round cost
/// about what they would on a thousand machines, not a thousand times one machine's memory: one copy of each verified
/// global model (each site still downloads and verifies its own, then keeps the shared one), and turns at the steps that
/// hold model-sized buffers: downloading the model, and computing and sending a masked input. Every sampled site of a
/// secure round does both at the same moment, and on a few cores all but a few would only queue for the CPU while
/// holding their buffers (at a thousand sites, more memory than the machine has). A deployed site is alone in its
/// process and has none of this.
/// </summary>
public sealed class SitesInProcess(int turns)
{
    private readonly object _gate = new();
    private (long Version, ByteString Sha256, ModelState Model)? _newest;

    /// <summary>How many sites download a model, or compute and send a masked input, at once.</summary>
    public SemaphoreSlim Turns { get; } = new(turns, turns);

    /// <summary>The process's copy of this verified model version, kept from now on if it has none.</summary>
    public ModelState Share(long version, ByteString sha256, ModelState verified)
    {
        lock (_gate)
        {
            if (_newest is { } newest && newest.Version == version && newest.Sha256.Equals(sha256))
            {
                return newest.Model;
            }
            _newest = (version, sha256, verified);
            return verified;
        }
    }
}
