using FedFace.Core;
using FedFace.Core.Security;
using FedFace.Protocol;
using Google.Protobuf;

namespace FedFace.Transport;

/// <summary>
/// A downloaded model's data, kept as the chunks that arrived and hashed as they do, until its hash is the one the
/// aggregator signed: only then are its tensors built, so a model that is not the signed one never gets parsed.
/// What it holds is bounded by the declared size, which the caller has capped.
/// </summary>
public sealed class UnverifiedModelData : IDisposable
{
    private readonly IReadOnlyList<DeclaredTensor> _tensors;
    private readonly StreamedModelHash _hash;
    private readonly List<ByteString> _chunks = [];
    private readonly string _what;

    public UnverifiedModelData(IReadOnlyList<DeclaredTensor> tensors, string what)
    {
        _tensors = tensors;
        _hash = new StreamedModelHash(tensors);
        _what = what;
    }

    public void Append(ByteString chunk)
    {
        ArgumentNullException.ThrowIfNull(chunk);
        _hash.Append(chunk.Span);
        _chunks.Add(chunk);
    }

    /// <summary>
    /// Builds the tensors if the data hashes to <paramref name="signedSha256"/>; otherwise refuses with
    /// <see cref="ModelSignatureFailure.ModelHashMismatch"/> and builds nothing. <paramref name="assembling"/> is told just
    /// before the tensors are built.
    /// </summary>
    public ModelState AssembleIfSigned(ReadOnlySpan<byte> signedSha256, Action? assembling = null)
    {
        byte[] received = _hash.Complete();
        if (!received.AsSpan().SequenceEqual(signedSha256))
        {
            throw new ModelSignatureException(new ModelSignatureCheck(ModelSignatureFailure.ModelHashMismatch,
                $"the data of {_what} has SHA-256 {Convert.ToHexStringLower(received)}, but the aggregator signed {Convert.ToHexStringLower(signedSha256)}"));
        }
        assembling?.Invoke();
        var assembler = new TensorAssembler(_tensors);
        foreach (ByteString chunk in _chunks)
        {
            assembler.Append(chunk.Span);
        }
        _chunks.Clear();
        return assembler.Complete();
    }

    public void Dispose() => _hash.Dispose();
}
