using System.Text;

namespace FedFace.Inference.Tests;

/// <summary>
/// Writes small ONNX models straight in the protobuf wire format, so the tests can give the embedder models of
/// any shape without an ONNX library. The "embedding" of these models is a face's per-channel mean (ReduceMean
/// over height and width), which a test can compute by hand. Field numbers from onnx.proto: ModelProto ir_version = 1,
/// graph = 7, opset_import = 8; OperatorSetIdProto version = 2; GraphProto node = 1, name = 2, initializer = 5,
/// input = 11, output = 12; NodeProto input = 1, output = 2, op_type = 4, attribute = 5; AttributeProto name = 1,
/// i = 3, ints = 8, type = 20; ValueInfoProto name = 1, type = 2; TypeProto tensor_type = 1; TypeProto.Tensor
/// elem_type = 1, shape = 2; TensorShapeProto dim = 1; Dimension dim_value = 1, dim_param = 2; TensorProto dims = 1,
/// data_type = 2, int64_data = 7, name = 8.
/// </summary>
internal static class TinyOnnxModel
{
    public const int Float = 1, Int64 = 7;

    /// <summary>A dimension: a number is fixed, a string is a free (symbolic) size.</summary>
    public readonly record struct Dim(long? Value, string? Symbol)
    {
        public static implicit operator Dim(long value) => new(value, null);
        public static implicit operator Dim(string symbol) => new(null, symbol);
    }

    /// <summary>input [batch,3,h,w] → ReduceMean(axes 2,3) → output [batch,3], both of <paramref name="inputType"/>.</summary>
    public static byte[] ChannelMean(Dim batch, long height = 112, long width = 112, int inputType = Float) =>
        Model(graph =>
        {
            graph.Message(1, node => Node(node, "ReduceMean", ["face"], ["embedding"], ("axes", [2, 3]), ("keepdims", [0])));
            graph.Message(11, value => ValueInfo(value, "face", inputType, batch, 3, height, width));
            graph.Message(12, value => ValueInfo(value, "embedding", inputType, batch, 3));
        });

    /// <summary>Declares a free batch but reshapes to [1, 3·batch]: a batch of more than one face does not come back as one row per face.</summary>
    public static byte[] ChannelMeanWithFixedReshape() =>
        Model(graph =>
        {
            graph.Message(1, node => Node(node, "ReduceMean", ["face"], ["means"], ("axes", [2, 3]), ("keepdims", [0])));
            graph.Message(1, node => Node(node, "Reshape", ["means", "flat"], ["embedding"]));
            graph.Message(5, tensor =>
            {
                tensor.Varint(1, 2);          // dims [2]
                tensor.Varint(2, Int64);      // data_type
                tensor.Varint(7, 1);          // int64_data 1
                tensor.Varint(7, unchecked((ulong)-1L)); // int64_data -1
                tensor.Text(8, "flat");
            });
            graph.Message(11, value => ValueInfo(value, "face", Float, "N", 3, 112, 112));
            graph.Message(12, value => ValueInfo(value, "embedding", Float, 1, "M"));
        });

    /// <summary>Two face inputs, one output: not an embedder's signature.</summary>
    public static byte[] TwoInputs() =>
        Model(graph =>
        {
            graph.Message(1, node => Node(node, "Add", ["a", "b"], ["sum"]));
            graph.Message(1, node => Node(node, "ReduceMean", ["sum"], ["embedding"], ("axes", [2, 3]), ("keepdims", [0])));
            graph.Message(11, value => ValueInfo(value, "a", Float, "N", 3, 112, 112));
            graph.Message(11, value => ValueInfo(value, "b", Float, "N", 3, 112, 112));
            graph.Message(12, value => ValueInfo(value, "embedding", Float, "N", 3));
        });

    private static byte[] Model(Action<ProtoWriter> graph)
    {
        var model = new ProtoWriter();
        model.Varint(1, 8); // IR version 8
        model.Message(7, g =>
        {
            g.Text(2, "tiny");
            graph(g);
        });
        model.Message(8, opset => opset.Varint(2, 13)); // default domain, opset 13 (ReduceMean takes axes as an attribute)
        return model.ToArray();
    }

    private static void Node(ProtoWriter node, string op, string[] inputs, string[] outputs, params (string Name, long[] Values)[] attributes)
    {
        foreach (string input in inputs)
        {
            node.Text(1, input);
        }
        foreach (string output in outputs)
        {
            node.Text(2, output);
        }
        node.Text(4, op);
        foreach ((string name, long[] values) in attributes)
        {
            node.Message(5, attribute =>
            {
                attribute.Text(1, name);
                bool single = name == "keepdims";
                if (single)
                {
                    attribute.Varint(3, (ulong)values[0]);
                    attribute.Varint(20, 2); // INT
                }
                else
                {
                    foreach (long v in values)
                    {
                        attribute.Varint(8, (ulong)v);
                    }
                    attribute.Varint(20, 7); // INTS
                }
            });
        }
    }

    private static void ValueInfo(ProtoWriter value, string name, int elementType, params Dim[] dims)
    {
        value.Text(1, name);
        value.Message(2, type => type.Message(1, tensor =>
        {
            tensor.Varint(1, (ulong)elementType);
            tensor.Message(2, shape =>
            {
                foreach (Dim dim in dims)
                {
                    shape.Message(1, d =>
                    {
                        if (dim.Value is long fixedSize)
                        {
                            d.Varint(1, (ulong)fixedSize);
                        }
                        else
                        {
                            d.Text(2, dim.Symbol!);
                        }
                    });
                }
            });
        }));
    }

    private sealed class ProtoWriter
    {
        private readonly MemoryStream _bytes = new();

        public byte[] ToArray() => _bytes.ToArray();

        public void Varint(int field, ulong value)
        {
            Raw((ulong)field << 3); // wire type 0
            Raw(value);
        }

        public void Text(int field, string text) => Bytes(field, Encoding.UTF8.GetBytes(text));

        public void Message(int field, Action<ProtoWriter> write)
        {
            var inner = new ProtoWriter();
            write(inner);
            Bytes(field, inner.ToArray());
        }

        private void Bytes(int field, byte[] bytes)
        {
            Raw(((ulong)field << 3) | 2); // wire type 2: length-delimited
            Raw((ulong)bytes.Length);
            _bytes.Write(bytes);
        }

        private void Raw(ulong value)
        {
            for (; value >= 0x80; value >>= 7)
            {
                _bytes.WriteByte((byte)(value | 0x80));
            }
            _bytes.WriteByte((byte)value);
        }
    }
}
