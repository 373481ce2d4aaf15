using System.Buffers.Binary;
using System.Text;

namespace FedFace.Core.Security;

/// <summary>
/// The aggregator's signature over a published global model (invariant 5): the federation, the model version, the
/// round that committed it (0 for the initial model) and the SHA-256 of the model's canonical encoding
/// (<see cref="ModelState.ComputeSha256"/>). ECDSA P-256 over SHA-256 of <see cref="SignedBytes"/>, in the IEEE P1363
/// format (r ‖ s, 64 bytes: fixed length, so nothing to parse), by the key of <see cref="SignerCertificate"/> (DER),
/// which travels with the signature so a model file can be checked offline. Plain data, for the wire and for disk.
/// </summary>
public sealed class ModelSignature(string federationName, long modelVersion, long round, byte[] modelSha256, byte[] signature, byte[] signerCertificate)
{
    public const int Sha256Bytes = 32;
    public const int SignatureBytes = 64;

    // Domain separation, though the model-signing key has no other use: no other signed content starts with these bytes.
    private static readonly byte[] s_context = "FedFace model signature v1\0"u8.ToArray();

    public string FederationName { get; } = federationName;
    public long ModelVersion { get; } = modelVersion;
    public long Round { get; } = round;
    public byte[] ModelSha256 { get; } = modelSha256;
    public byte[] Signature { get; } = signature;
    public byte[] SignerCertificate { get; } = signerCertificate;

    /// <summary>
    /// What is signed: the context string, the federation name (UTF-8, its length first as int32), version and round
    /// (int64), then the 32-byte hash; integers little-endian. Length-prefixing keeps every field's boundary fixed.
    /// </summary>
    public static byte[] SignedBytes(string federationName, long modelVersion, long round, ReadOnlySpan<byte> modelSha256)
    {
        ArgumentNullException.ThrowIfNull(federationName);
        if (modelSha256.Length != Sha256Bytes) throw new ArgumentException($"a SHA-256 has {Sha256Bytes} bytes, got {modelSha256.Length}", nameof(modelSha256));
        byte[] name = Encoding.UTF8.GetBytes(federationName);
        byte[] payload = new byte[s_context.Length + 4 + name.Length + 8 + 8 + Sha256Bytes];
        Span<byte> rest = payload;
        s_context.CopyTo(rest);
        rest = rest[s_context.Length..];
        BinaryPrimitives.WriteInt32LittleEndian(rest, name.Length);
        name.CopyTo(rest[4..]);
        rest = rest[(4 + name.Length)..];
        BinaryPrimitives.WriteInt64LittleEndian(rest, modelVersion);
        BinaryPrimitives.WriteInt64LittleEndian(rest[8..], round);
        modelSha256.CopyTo(rest[16..]);
        return payload;
    }

    internal byte[] SignedBytes() => SignedBytes(FederationName, ModelVersion, Round, ModelSha256);
}
