using System.Text;

namespace FedFace.Learning.Tests;

/// <summary>
/// Just enough of an ONNX reader for the tests: the graph's nodes (name, op, inputs, integer attributes) and its
/// initializers (name, dims, float data), read straight off the protobuf wire format without an ONNX library.
/// Field numbers from onnx.proto: ModelProto.graph = 7; GraphProto.node = 1, initializer = 5; NodeProto.input = 1,
/// output = 2, name = 3, op_type = 4, attribute = 5; AttributeProto.name = 1, i = 3, t = 5, ints = 8; TensorProto.dims = 1,
/// data_type = 2, float_data = 4, name = 8, raw_data = 9.
/// </summary>
internal sealed class OnnxGraph
{
    public sealed record Node(
        string Name,
        string Op,
        IReadOnlyList<string> Inputs,
        IReadOnlyList<string> Outputs,
        IReadOnlyDictionary<string, long[]> Attributes,
        IReadOnlyDictionary<string, Initializer> TensorAttributes);

    public sealed record Initializer(string Name, long[] Dims, float[] Values);

    public required IReadOnlyList<Node> Nodes { get; init; }
    public required IReadOnlyDictionary<string, Initializer> Initializers { get; init; }

    public static OnnxGraph Load(string path)
    {
        byte[] model = File.ReadAllBytes(path);
        ReadOnlyMemory<byte> graph = Fields(model).Single(f => f.Number == 7).Bytes;
        var nodes = new List<Node>();
        var initializers = new Dictionary<string, Initializer>();
        foreach (Field field in Fields(graph))
        {
            if (field.Number == 1)
            {
                nodes.Add(ReadNode(field.Bytes));
            }
            else if (field.Number == 5)
            {
                Initializer initializer = ReadInitializer(field.Bytes);
                initializers.Add(initializer.Name, initializer);
            }
        }
        return new OnnxGraph { Nodes = nodes, Initializers = initializers };
    }

    private static Node ReadNode(ReadOnlyMemory<byte> bytes)
    {
        string name = "", op = "";
        var inputs = new List<string>();
        var outputs = new List<string>();
        var attributes = new Dictionary<string, long[]>();
        var tensorAttributes = new Dictionary<string, Initializer>();
        foreach (Field f in Fields(bytes))
        {
            switch (f.Number)
            {
                case 1: inputs.Add(Text(f)); break;
                case 2: outputs.Add(Text(f)); break;
                case 3: name = Text(f); break;
                case 4: op = Text(f); break;
                case 5:
                    string attributeName = "";
                    var ints = new List<long>();
                    Initializer? tensor = null;
                    foreach (Field a in Fields(f.Bytes))
                    {
                        if (a.Number == 1) attributeName = Text(a);
                        else if (a.Number is 3 or 8) ints.AddRange(Integers(a));
                        else if (a.Number == 5) tensor = ReadInitializer(a.Bytes);
                    }
                    attributes[attributeName] = ints.ToArray();
                    if (tensor is not null) tensorAttributes[attributeName] = tensor;
                    break;
            }
        }
        return new Node(name, op, inputs, outputs, attributes, tensorAttributes);
    }

    private static Initializer ReadInitializer(ReadOnlyMemory<byte> bytes)
    {
        string name = "";
        var dims = new List<long>();
        float[] values = [];
        long dataType = 1;
        foreach (Field f in Fields(bytes))
        {
            switch (f.Number)
            {
                case 1: dims.AddRange(Integers(f)); break;
                case 2: dataType = f.Value; break;
                case 4: values = [.. values, .. System.Runtime.InteropServices.MemoryMarshal.Cast<byte, float>(f.Bytes.Span)]; break;
                case 8: name = Text(f); break;
                case 9: values = System.Runtime.InteropServices.MemoryMarshal.Cast<byte, float>(f.Bytes.Span).ToArray(); break;
            }
        }
        // Integer constants (e.g. Reshape's target shape) are of no interest here; only float32 data is decoded.
        return new Initializer(name, dims.ToArray(), dataType == 1 ? values : []);
    }

    private readonly record struct Field(int Number, long Value, ReadOnlyMemory<byte> Bytes);

    private static string Text(Field f) => Encoding.UTF8.GetString(f.Bytes.Span);

    /// <summary>A repeated integer: one varint, or a packed run of them.</summary>
    private static IEnumerable<long> Integers(Field f)
    {
        if (f.Bytes.IsEmpty)
        {
            yield return f.Value;
            yield break;
        }
        for (int at = 0; at < f.Bytes.Length;)
        {
            yield return (long)Varint(f.Bytes.Span, ref at);
        }
    }

    private static IEnumerable<Field> Fields(ReadOnlyMemory<byte> message)
    {
        for (int at = 0; at < message.Length;)
        {
            ulong key = Varint(message.Span, ref at);
            int number = (int)(key >> 3);
            switch ((int)(key & 7))
            {
                case 0:
                    yield return new Field(number, (long)Varint(message.Span, ref at), ReadOnlyMemory<byte>.Empty);
                    break;
                case 1:
                    yield return new Field(number, 0, message.Slice(at, 8));
                    at += 8;
                    break;
                case 2:
                    int length = (int)Varint(message.Span, ref at);
                    yield return new Field(number, 0, message.Slice(at, length));
                    at += length;
                    break;
                case 5:
                    yield return new Field(number, 0, message.Slice(at, 4));
                    at += 4;
                    break;
                default:
                    throw new InvalidDataException($"unsupported protobuf wire type {key & 7}");
            }
        }
    }

    private static ulong Varint(ReadOnlySpan<byte> bytes, ref int at)
    {
        ulong value = 0;
        for (int shift = 0; ; shift += 7)
        {
            byte b = bytes[at++];
            value |= (ulong)(b & 0x7f) << shift;
            if (b < 0x80)
            {
                return value;
            }
        }
    }
}
