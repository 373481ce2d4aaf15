using System.Runtime.InteropServices;
using FedFace.Learning.Onnx.Ir;
using Google.Protobuf;

namespace FedFace.Learning.Onnx;

/// <summary>Reads and writes ONNX model files, and their float32 tensors.</summary>
public static class OnnxModelFile
{
    public static ModelProto Read(string path)
    {
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"ONNX model {path} does not exist", path);
        }
        ModelProto model;
        try
        {
            using FileStream stream = File.OpenRead(path);
            model = ModelProto.Parser.ParseFrom(stream);
        }
        catch (InvalidProtocolBufferException e)
        {
            throw new InvalidDataException($"{path} is not an ONNX model: {e.Message}", e);
        }
        if (model.Graph is null || model.Graph.Node.Count == 0)
        {
            throw new InvalidDataException($"{path} is not an ONNX model: it has no graph");
        }
        return model;
    }

    /// <summary>Writes via a temporary file and a rename, so a crash never leaves a half-written model to deploy.</summary>
    public static void Write(string path, ModelProto model)
    {
        Core.Storage.AtomicFile.Write(path, stream => model.WriteTo(stream));
    }

    public static float[] Floats(TensorProto tensor)
    {
        if (tensor.DataType != (int)TensorProto.Types.DataType.Float)
        {
            throw new InvalidDataException($"tensor '{tensor.Name}' has ONNX data type {tensor.DataType}, not float32");
        }
        long count = 1;
        foreach (long dim in tensor.Dims)
        {
            count = checked(count * dim);
        }
        float[] values = tensor.RawData.IsEmpty
            ? [.. tensor.FloatData]
            : MemoryMarshal.Cast<byte, float>(tensor.RawData.Span).ToArray(); // ONNX raw data is little-endian, as is x64
        if (values.LongLength != count)
        {
            throw new InvalidDataException($"tensor '{tensor.Name}' has {values.LongLength} values for dims [{string.Join(", ", tensor.Dims)}]");
        }
        return values;
    }

    public static TensorProto Tensor(string name, long[] dims, float[] values) => new()
    {
        Name = name,
        DataType = (int)TensorProto.Types.DataType.Float,
        Dims = { dims },
        RawData = ByteString.CopyFrom(MemoryMarshal.AsBytes(values.AsSpan())),
    };
}
