namespace FedFace.Core.SecureAggregation;

/// <summary>Stage 2, server → site: the encrypted shares its neighbours that survived stage 1 addressed to
/// it. The site masks its input with exactly these neighbours' pairwise masks.</summary>
public sealed record MaskedInputRequest(long RoundId, string SiteId, IReadOnlyList<EncryptedShare> Shares)
{
    public byte[] ToBytes() => EncryptedShare.WriteAll(WireFormat.Start(WireFormat.MaskedInputRequest).Int64(RoundId).String(SiteId), Shares).ToArray();

    public static MaskedInputRequest FromBytes(byte[] bytes)
    {
        var reader = new WireReader(bytes, "masked-input request");
        reader.Header(WireFormat.MaskedInputRequest);
        var message = new MaskedInputRequest(RoundId: reader.Int64(), SiteId: reader.String(), Shares: EncryptedShare.ReadAll(reader));
        reader.End();
        return message;
    }
}

/// <summary>
/// Stage 2, site → server: y = w·q(delta) ‖ w + PRG(b) + Σⱼ ±PRG(sᵢⱼ) mod 2³² (length
/// <see cref="RoundConfiguration.MaskedLength"/>), signed with the site's certificate key over the round,
/// the configuration digest, the site id and SHA-256 of the vector (<see cref="DomainLabels.MaskedInputSigned"/>):
/// a copy replayed into another round, or altered, does not verify.
/// </summary>
public sealed record MaskedInput(long RoundId, string SiteId, uint[] Values, byte[] Signature)
{
    /// <summary>The bytes <see cref="Signature"/> signs, given the digest of the round's configuration.</summary>
    public byte[] SignedBytes(byte[] configurationDigest) => DomainLabels.MaskedInputSigned(RoundId, configurationDigest, SiteId, Values);

    public byte[] ToBytes() => WireFormat.Start(WireFormat.MaskedInput, Values.Length * sizeof(uint) + 256)
        .Int64(RoundId).String(SiteId).Words(Values).Bytes(Signature).ToArray();

    public static MaskedInput FromBytes(byte[] bytes)
    {
        var reader = new WireReader(bytes, "masked input");
        reader.Header(WireFormat.MaskedInput);
        var message = new MaskedInput(RoundId: reader.Int64(), SiteId: reader.String(), Values: reader.Words(), Signature: reader.Bytes());
        reader.End();
        return message;
    }
}
