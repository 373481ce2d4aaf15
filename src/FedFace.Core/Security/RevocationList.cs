using System.Formats.Asn1;
using System.Globalization;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace FedFace.Core.Security;

/// <summary>
/// The federation's certificate revocation list: an X.509 CRL (PEM or DER; <c>openssl crl -text</c> reads it) that the
/// federation CA signed. Only the signature, the issuer and the revoked serial numbers matter here; the list is a local
/// file the operator replaces, so its next-update time is not enforced.
/// </summary>
public sealed class RevocationList
{
    private const string EcdsaWithSha256Oid = "1.2.840.10045.4.3.2";

    private readonly IReadOnlyDictionary<string, DateTimeOffset> _revoked;

    private RevocationList(IReadOnlyDictionary<string, DateTimeOffset> revoked) => _revoked = revoked;

    public static RevocationList Empty { get; } = new(new Dictionary<string, DateTimeOffset>());

    public int Count => _revoked.Count;

    /// <summary>Reads and checks a CRL against <paramref name="federationCa"/>.</summary>
    /// <exception cref="InvalidDataException">unreadable, not issued by the federation CA, or its signature does not verify.</exception>
    public static RevocationList Parse(byte[] crl, X509Certificate2 federationCa)
    {
        ArgumentNullException.ThrowIfNull(crl);
        ArgumentNullException.ThrowIfNull(federationCa);
        try
        {
            return ParseDer(Der(crl), federationCa);
        }
        catch (Exception e) when (e is AsnContentException or CryptographicException or FormatException)
        {
            throw new InvalidDataException($"not a readable X.509 CRL ({e.Message})", e);
        }
    }

    /// <summary>When the certificate was revoked, if it is listed.</summary>
    public bool TryGetRevocation(X509Certificate2 certificate, out DateTimeOffset revokedAt) =>
        _revoked.TryGetValue(Serial(certificate.SerialNumberBytes.Span), out revokedAt);

    /// <summary>The certificate's serial as it is printed: upper-case hex without leading zero bytes.</summary>
    public static string SerialOf(X509Certificate2 certificate) => Serial(certificate.SerialNumberBytes.Span);

    private static byte[] Der(byte[] crl)
    {
        ReadOnlySpan<char> text = System.Text.Encoding.ASCII.GetString(crl);
        return PemEncoding.TryFind(text, out PemFields pem) && text[pem.Label].SequenceEqual("X509 CRL")
            ? Convert.FromBase64String(text[pem.Base64Data].ToString())
            : crl;
    }

    private static RevocationList ParseDer(byte[] der, X509Certificate2 federationCa)
    {
        AsnReader list = new AsnReader(der, AsnEncodingRules.DER).ReadSequence();
        ReadOnlyMemory<byte> signed = list.ReadEncodedValue();
        string algorithm = list.ReadSequence().ReadObjectIdentifier();
        byte[] signature = list.ReadBitString(out _);
        if (algorithm != EcdsaWithSha256Oid)
            throw new InvalidDataException($"the CRL is signed with algorithm {algorithm}; the federation CA signs with ECDSA SHA-256");

        AsnReader body = new AsnReader(signed, AsnEncodingRules.DER).ReadSequence();
        if (body.PeekTag().HasSameClassAndValue(Asn1Tag.Integer)) body.ReadInteger(); // version
        body.ReadSequence(); // the signature algorithm again
        ReadOnlyMemory<byte> issuer = body.ReadEncodedValue();
        if (!issuer.Span.SequenceEqual(federationCa.SubjectName.RawData))
            throw new InvalidDataException($"the CRL was issued by '{new X500DistinguishedName(issuer.Span).Name}', not by the federation CA '{federationCa.Subject}'");
        using (ECDsa key = federationCa.GetECDsaPublicKey() ?? throw new InvalidDataException($"the federation CA '{federationCa.Subject}' has no ECDSA key"))
        {
            if (!key.VerifyData(signed.Span, signature, HashAlgorithmName.SHA256, DSASignatureFormat.Rfc3279DerSequence))
                throw new InvalidDataException($"the CRL's signature does not verify against the federation CA '{federationCa.Subject}'");
        }
        ReadTime(body); // this update
        if (body.HasData && IsTime(body.PeekTag())) ReadTime(body); // next update

        var revoked = new Dictionary<string, DateTimeOffset>(StringComparer.Ordinal);
        if (body.HasData && body.PeekTag().HasSameClassAndValue(Asn1Tag.Sequence))
        {
            AsnReader entries = body.ReadSequence();
            while (entries.HasData)
            {
                AsnReader entry = entries.ReadSequence();
                string serial = Serial(entry.ReadIntegerBytes().Span);
                revoked[serial] = ReadTime(entry);
            }
        }
        return new RevocationList(revoked);
    }

    private static bool IsTime(Asn1Tag tag) => tag.HasSameClassAndValue(Asn1Tag.UtcTime) || tag.HasSameClassAndValue(Asn1Tag.GeneralizedTime);

    private static DateTimeOffset ReadTime(AsnReader reader) =>
        reader.PeekTag().HasSameClassAndValue(Asn1Tag.UtcTime) ? reader.ReadUtcTime() : reader.ReadGeneralizedTime();

    private static string Serial(ReadOnlySpan<byte> bigEndian)
    {
        string hex = Convert.ToHexString(bigEndian).TrimStart('0');
        return hex.Length == 0 ? "0" : (hex.Length % 2 == 1 ? "0" + hex : hex).ToUpper(CultureInfo.InvariantCulture);
    }
}
