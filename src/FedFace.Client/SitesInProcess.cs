using FedFace.Core;
using Google.Protobuf;

namespace FedFace.Client;

/// <summary>
/// What the many sites of one process (a simulator's virtual sites) share, so that a thousand of them in a round cost
/// about what they would on a thousand machines, not a thousand times one machine's memory: one copy of each verified
/// global model (each site still downloads and verifies its own, then keeps the shared one), and turns at masking (a
/// secure round asks every site for its masked input at once; masking is CPU-bound and holds several model-sized vectors
/// until the aggregator's receipt, so sites beyond the cores would only queue for them while holding gigabytes).
/// A deployed site is alone in its process and has none of this.
/// </summary>
public sealed class SitesInProcess(int maskingTurns)
{
    private readonly object _gate = new();
    private (long Version, ByteString Sha256, ModelState Model)? _newest;

    /// <summary>How many sites compute and send a masked input at once.</summary>
    public SemaphoreSlim MaskingTurns { get; } = new(maskingTurns, maskingTurns);

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
