using System.Buffers.Binary;
using System.Runtime.InteropServices;
using FedFace.Core;
using FedFace.Core.Storage;
using FedFace.Protos.V1;
using Google.Protobuf;

namespace FedFace.Protocol.Storage;

/// <summary>
/// A model on disk: magic "FFMODEL1", the length-prefixed wire <see cref="ModelHeader"/> (names, shapes,
/// version, SHA-256), then the raw float32 data. Reading verifies the hash, so a damaged file is refused.
/// </summary>
public static class ModelFile
{
    private static readonly byte[] s_magic = "FFMODEL1"u8.ToArray();

    public static void Write(string path, ModelState model, long version, Action<AtomicWriteStep>? afterStep = null)
    {
        AtomicFile.Write(path, stream =>
        {
            stream.Write(s_magic);
            byte[] header = TensorWire.ModelHeaderOf(model, version).ToByteArray();
            Span<byte> length = stackalloc byte[4];
            BinaryPrimitives.WriteInt32LittleEndian(length, header.Length);
            stream.Write(length);
            stream.Write(header);
            foreach (NamedTensor tensor in model.Tensors)
            {
                stream.Write(MemoryMarshal.AsBytes(tensor.Values.AsSpan()));
            }
        }, afterStep);
    }

    public static (ModelState Model, long Version) Read(string path)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
        Span<byte> magic = stackalloc byte[8];
        if (stream.ReadAtLeast(magic, 8, throwOnEndOfStream: false) != 8 || !magic.SequenceEqual(s_magic))
        {
            throw new InvalidDataException($"{path} is not a FedFace model file (bad magic)");
        }
        // Every kind of damage is an InvalidDataException, and the declared size is checked against the
        // file before the tensors are allocated, so a damaged header cannot make us allocate gigabytes.
        Span<byte> lengthBytes = stackalloc byte[4];
        if (stream.ReadAtLeast(lengthBytes, 4, throwOnEndOfStream: false) != 4)
        {
            throw new InvalidDataException($"{path}: truncated before the header length");
        }
        int headerLength = BinaryPrimitives.ReadInt32LittleEndian(lengthBytes);
        if (headerLength <= 0 || headerLength > 64 << 20 || headerLength > stream.Length - stream.Position)
        {
            throw new InvalidDataException(
                $"{path}: implausible header length {headerLength} with {stream.Length - stream.Position} bytes left (truncated file?)");
        }
        byte[] headerBytes = new byte[headerLength];
        stream.ReadExactly(headerBytes);
        ModelHeader header;
        DeclaredTensor[] tensors;
        try
        {
            header = ModelHeader.Parser.ParseFrom(headerBytes);
            tensors = DeclaredTensor.Of(header.Tensors);
        }
        catch (Exception e) when (e is InvalidProtocolBufferException or InvalidDataException)
        {
            throw new InvalidDataException($"{path}: unreadable header: {e.Message}", e);
        }
        long declaredBytes = DeclaredTensor.TotalBytes(tensors);
        if (declaredBytes != stream.Length - stream.Position)
        {
            throw new InvalidDataException(
                $"{path}: header declares {declaredBytes} data bytes but {stream.Length - stream.Position} follow (truncated or padded file)");
        }
        var assembler = new TensorAssembler(tensors);
        byte[] buffer = new byte[1 << 20];
        int read;
        while ((read = stream.Read(buffer)) > 0)
        {
            assembler.Append(buffer.AsSpan(0, read));
        }
        ModelState model = assembler.Complete();
        if (!model.ComputeSha256().AsSpan().SequenceEqual(header.Sha256.Span))
        {
            throw new InvalidDataException($"{path}: content does not match its SHA-256 (file damaged)");
        }
        return (model, header.ModelVersion);
    }
}
