using System.Security.Cryptography;
using FedFace.Core;

namespace FedFace.Protocol;

/// <summary>
/// The SHA-256 of a model's canonical encoding (<see cref="ModelState.ComputeSha256"/>) computed from its declared tensors
/// and its raw data as it streams in, so a download can be checked against the signed hash before any tensor is built.
/// </summary>
public sealed class StreamedModelHash : IDisposable
{
    private readonly DeclaredTensor[] _tensors;
    private readonly IncrementalHash _hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
    private int _tensorIndex;
    private long _tensorOffset;

    public StreamedModelHash(IReadOnlyList<DeclaredTensor> tensors)
    {
        ArgumentNullException.ThrowIfNull(tensors);
        _tensors = [.. tensors];
        ExpectedBytes = DeclaredTensor.TotalBytes(_tensors);
        StartTensors();
    }

    public long ExpectedBytes { get; }

    public long ReceivedBytes { get; private set; }

    public void Append(ReadOnlySpan<byte> data)
    {
        if (ReceivedBytes + data.Length > ExpectedBytes)
        {
            throw new InvalidDataException($"more data than declared: {ReceivedBytes + data.Length} bytes for {ExpectedBytes} declared");
        }
        while (!data.IsEmpty)
        {
            int take = (int)Math.Min(_tensors[_tensorIndex].Bytes - _tensorOffset, data.Length);
            _hash.AppendData(data[..take]);
            data = data[take..];
            _tensorOffset += take;
            ReceivedBytes += take;
            if (_tensorOffset == _tensors[_tensorIndex].Bytes)
            {
                _tensorIndex++;
                StartTensors();
            }
        }
    }

    /// <summary>The hash of everything declared; refused when the data ended early.</summary>
    public byte[] Complete() => ReceivedBytes == ExpectedBytes
        ? _hash.GetHashAndReset()
        : throw new InvalidDataException($"stream ended after {ReceivedBytes} of {ExpectedBytes} declared bytes");

    /// <summary>Hashes the name and shape of each tensor from the current one up to the next that expects data.</summary>
    private void StartTensors()
    {
        _tensorOffset = 0;
        while (_tensorIndex < _tensors.Length)
        {
            ModelState.AppendTensorHeader(_hash, _tensors[_tensorIndex].Name, _tensors[_tensorIndex].Shape);
            if (_tensors[_tensorIndex].Length > 0)
            {
                return;
            }
            _tensorIndex++;
        }
    }

    public void Dispose() => _hash.Dispose();
}
