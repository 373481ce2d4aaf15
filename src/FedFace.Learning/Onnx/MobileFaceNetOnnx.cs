using System.Text.RegularExpressions;
using FedFace.Core;
using FedFace.Learning.Backbones;
using FedFace.Learning.Onnx.Ir;

namespace FedFace.Learning.Onnx;

/// <summary>
/// MobileFaceNet to and from ONNX with BatchNorm folded into the convolutions: the form a site deploys and ONNX
/// Runtime serves (input <c>input0</c> N×3×112×112, output <c>output0</c> N×128, not normalised).
/// Import reads foamliu's pretrained <c>mobilefacenet_foamliu.onnx</c> as well as our own exports.
/// </summary>
public static partial class MobileFaceNetOnnx
{
    public const string InputName = "input0";
    public const string OutputName = "output0";
    private const int OpsetVersion = 13;
    private const long IrVersion = 8;

    /// <summary>
    /// The backbone state whose TorchSharp network computes what the ONNX file computes: each convolution gets
    /// the file's folded weight, and the BatchNorm after it becomes the identity carrying the folded bias.
    /// </summary>
    public static ModelState Import(string onnxPath)
    {
        ModelProto model = OnnxModelFile.Read(onnxPath);
        var initializers = model.Graph.Initializer.ToDictionary(t => t.Name, StringComparer.Ordinal);
        var convolutions = new Dictionary<string, NodeProto>(StringComparer.Ordinal);
        foreach (NodeProto node in model.Graph.Node.Where(n => n.OpType == "Conv"))
        {
            string path = ModulePath(node.Name)
                ?? throw new InvalidDataException($"{onnxPath} is not a MobileFaceNet of our layout: Conv node '{node.Name}' does not name the module it belongs to");
            if (!convolutions.TryAdd(path, node))
            {
                throw new InvalidDataException($"{onnxPath}: two convolutions map to '{path}'");
            }
        }

        using var layout = new MobileFaceNet();
        Dictionary<string, NamedTensor> state = BackboneState.Export(layout).Tensors.ToDictionary(t => t.Name, StringComparer.Ordinal);
        List<ConvolutionStep> steps = Convolutions(layout).ToList();
        var unknown = convolutions.Keys.Except(steps.Select(s => s.Convolution)).ToArray();
        if (unknown.Length > 0)
        {
            throw new InvalidDataException($"{onnxPath} is not a MobileFaceNet of our layout: convolutions {string.Join(", ", unknown.Take(3))} have no place in it");
        }
        foreach (ConvolutionStep step in steps)
        {
            if (!convolutions.TryGetValue(step.Convolution, out NodeProto? node))
            {
                throw new InvalidDataException($"{onnxPath} is not a MobileFaceNet of our layout: it has no convolution '{step.Convolution}'");
            }
            if (node.Input.Count < 3)
            {
                throw new InvalidDataException($"{onnxPath}: convolution '{step.Convolution}' has no bias; a BatchNorm-folded graph has one on every convolution");
            }
            Set($"{step.Convolution}.weight", Floats(node.Input[1]));
            float[] bias = Floats(node.Input[2]);
            if (state.ContainsKey($"{step.Convolution}.bias"))
            {
                Set($"{step.Convolution}.bias", new float[bias.Length]); // all of the bias now lives in the BatchNorm
            }
            foreach (NamedTensor tensor in BatchNormFolding.IdentityBatchNorm(step.BatchNorm, bias))
            {
                Set(tensor.Name, tensor.Values);
            }
        }
        return new ModelState(BackboneState.Export(layout).Tensors.Select(t => state[t.Name]));

        float[] Floats(string initializer) => initializers.TryGetValue(initializer, out TensorProto? tensor)
            ? OnnxModelFile.Floats(tensor)
            : throw new InvalidDataException($"{onnxPath}: initializer '{initializer}' is missing");

        void Set(string name, float[] values)
        {
            NamedTensor current = state[name];
            if (current.Values.Length != values.Length)
            {
                throw new InvalidDataException(
                    $"{onnxPath}: '{name}' has {values.Length} values, our MobileFaceNet expects shape {current.ShapeText}");
            }
            state[name] = new NamedTensor(name, current.Shape, values);
        }
    }

    /// <summary>
    /// Writes <paramref name="backbone"/> (a MobileFaceNet state, e.g. a global model) as a BN-folded ONNX graph with
    /// a dynamic batch dimension. <paramref name="description"/> goes into the file's metadata with the state's hash.
    /// </summary>
    public static void Export(ModelState backbone, string onnxPath, string description = "")
    {
        ArgumentNullException.ThrowIfNull(backbone);
        using var layout = new MobileFaceNet();
        BackboneState.Import(layout, backbone); // strict: names and shapes must be this network's
        var graph = new GraphProto { Name = "fedface_mobilefacenet" };
        graph.Input.Add(FloatValue(InputName, "batch", 3, MobileFaceNet.InputSize, MobileFaceNet.InputSize));
        graph.Output.Add(FloatValue(OutputName, "batch", MobileFaceNet.EmbeddingSize));
        graph.Initializer.Add(OnnxModelFile.Tensor("relu6_min", [], [0f]));
        graph.Initializer.Add(OnnxModelFile.Tensor("relu6_max", [], [6f]));

        string current = InputName;
        foreach (InferenceStep step in layout.InferenceSteps())
        {
            switch (step)
            {
                case ConvolutionStep convolution:
                    current = AddConvolution(graph, backbone, convolution, current);
                    break;
                case ResidualStep residual:
                    string body = residual.Body.Aggregate(current, (input, c) => AddConvolution(graph, backbone, c, input));
                    string name = residual.Body[0].Convolution[..residual.Body[0].Convolution.IndexOf(".conv", StringComparison.Ordinal)];
                    current = AddNode(graph, "Add", $"{name}/Add", [current, body]);
                    break;
            }
        }
        NodeProto flatten = new() { Name = "flatten/Flatten", OpType = "Flatten", Input = { current }, Output = { OutputName } };
        flatten.Attribute.Add(new AttributeProto { Name = "axis", Type = AttributeProto.Types.AttributeType.Int, I = 1 });
        graph.Node.Add(flatten);

        var model = new ModelProto
        {
            IrVersion = IrVersion,
            ProducerName = "FedFace",
            ProducerVersion = typeof(MobileFaceNetOnnx).Assembly.GetName().Version?.ToString() ?? "",
            DocString = "MobileFaceNet face embedding (BatchNorm folded); input RGB 112x112 aligned to the ArcFace template, (x-127.5)/127.5",
            Graph = graph,
            OpsetImport = { new OperatorSetIdProto { Domain = "", Version = OpsetVersion } },
            MetadataProps =
            {
                new StringStringEntryProto { Key = "fedface.backbone", Value = "mobilefacenet" },
                new StringStringEntryProto { Key = "fedface.backbone_sha256", Value = backbone.ComputeSha256Hex() },
                new StringStringEntryProto { Key = "fedface.description", Value = description },
            },
        };
        OnnxModelFile.Write(onnxPath, model);
    }

    private static string AddConvolution(GraphProto graph, ModelState backbone, ConvolutionStep step, string input)
    {
        NamedTensor weight = backbone[$"{step.Convolution}.weight"];
        (float[] folded, float[] bias) = BatchNormFolding.Fold(
            weight.Values,
            backbone.TryGet($"{step.Convolution}.bias", out NamedTensor convBias) ? convBias.Values : null,
            backbone[$"{step.BatchNorm}.weight"].Values, backbone[$"{step.BatchNorm}.bias"].Values,
            backbone[$"{step.BatchNorm}.running_mean"].Values, backbone[$"{step.BatchNorm}.running_var"].Values);
        graph.Initializer.Add(OnnxModelFile.Tensor($"{step.Convolution}.weight", weight.Shape, folded));
        graph.Initializer.Add(OnnxModelFile.Tensor($"{step.Convolution}.bias", [bias.Length], bias));

        long kernel = weight.Shape[^1];
        NodeProto conv = new()
        {
            Name = $"{step.Convolution}/Conv",
            OpType = "Conv",
            Input = { input, $"{step.Convolution}.weight", $"{step.Convolution}.bias" },
            Output = { $"{step.Convolution}/Conv_output" },
        };
        conv.Attribute.Add(Ints("kernel_shape", kernel, kernel));
        conv.Attribute.Add(Ints("strides", step.Stride, step.Stride));
        conv.Attribute.Add(Ints("pads", step.Padding, step.Padding, step.Padding, step.Padding));
        conv.Attribute.Add(Ints("dilations", 1, 1));
        conv.Attribute.Add(new AttributeProto { Name = "group", Type = AttributeProto.Types.AttributeType.Int, I = step.Groups });
        graph.Node.Add(conv);
        string output = conv.Output[0];
        return step.Activation switch
        {
            Activation.None => output,
            Activation.ReLU => AddNode(graph, "Relu", $"{step.Convolution}/Relu", [output]),
            Activation.ReLU6 => AddNode(graph, "Clip", $"{step.Convolution}/Clip", [output, "relu6_min", "relu6_max"]),
            _ => throw new ArgumentOutOfRangeException(nameof(step), step.Activation, "unknown activation"),
        };
    }

    private static string AddNode(GraphProto graph, string op, string name, string[] inputs)
    {
        var node = new NodeProto { Name = name, OpType = op, Input = { inputs }, Output = { name + "_output" } };
        graph.Node.Add(node);
        return node.Output[0];
    }

    private static AttributeProto Ints(string name, params long[] values) =>
        new() { Name = name, Type = AttributeProto.Types.AttributeType.Ints, Ints = { values } };

    private static ValueInfoProto FloatValue(string name, string batchDimension, params long[] dims)
    {
        var shape = new TensorShapeProto();
        shape.Dim.Add(new TensorShapeProto.Types.Dimension { DimParam = batchDimension });
        shape.Dim.Add(dims.Select(d => new TensorShapeProto.Types.Dimension { DimValue = d }));
        return new ValueInfoProto
        {
            Name = name,
            Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = (int)TensorProto.Types.DataType.Float, Shape = shape } },
        };
    }

    private static IEnumerable<ConvolutionStep> Convolutions(MobileFaceNet network) => network.InferenceSteps().SelectMany(step => step switch
    {
        ConvolutionStep c => [c],
        ResidualStep r => r.Body,
        _ => throw new InvalidOperationException($"unknown step {step}"),
    });

    /// <summary>
    /// The module path a Conv node stands for. Our exports name it "features.3.conv.1.0/Conv". PyTorch's exporter
    /// (foamliu's file) names a node after the module scopes it ran in, each repeating its parent's name as a prefix:
    /// "/features/features.0/conv/conv.0/conv.0.0/Conv" is features.0.conv.0.0; a module called twice gets "_1".
    /// Null for a name that follows neither scheme.
    /// </summary>
    internal static string? ModulePath(string nodeName)
    {
        if (!nodeName.StartsWith('/'))
        {
            int op = nodeName.LastIndexOf('/');
            return op > 0 ? nodeName[..op] : null;
        }
        string[] scopes = nodeName.Split('/', StringSplitOptions.RemoveEmptyEntries)[..^1]; // the last part is the op
        string path = "", parent = "";
        foreach (string raw in scopes)
        {
            string scope = RepeatedCall().Replace(raw, "");
            path += parent.Length > 0 && scope.StartsWith(parent + ".", StringComparison.Ordinal)
                ? scope[parent.Length..]
                : (path.Length > 0 ? "." : "") + scope;
            parent = scope;
        }
        return path;
    }

    [GeneratedRegex("_[0-9]+$")]
    private static partial Regex RepeatedCall();
}
