namespace FedFace.Core.SecureAggregation;

/// <summary>
/// Where the server's time went when it closed the unmask stage of one round, and how much keystream it generated:
/// what the benchmark sets against the keystream the protocol requires (one mask per survivor's self-mask seed, one
/// per pair of a dropped site and a surviving neighbour).
/// </summary>
/// <param name="ReconstructSeconds">rebuilding every needed secret from its shares and checking it against its
/// commitment or advertised public key.</param>
/// <param name="KeyAgreementSeconds">the X25519 agreements and key derivations that give each pairwise seed of a dropped site.</param>
/// <param name="ExpansionSeconds">expanding every mask and taking it out of the masked sum.</param>
/// <param name="DecodeSeconds">decoding the unmasked sum.</param>
/// <param name="KeystreamBytes">keystream generated: masks × the masked vector's bytes.</param>
/// <param name="Threads">the most threads the stage used at once.</param>
public sealed record UnmaskCosts(double ReconstructSeconds, double KeyAgreementSeconds, double ExpansionSeconds, double DecodeSeconds,
    int SelfMasks, int PairwiseMasks, long KeystreamBytes, int Threads)
{
    public double TotalSeconds => ReconstructSeconds + KeyAgreementSeconds + ExpansionSeconds + DecodeSeconds;
}
