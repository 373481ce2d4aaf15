using FedFace.Core;
using FedFace.Learning.Backbones;
using FedFace.Learning.Onnx.Ir;

namespace FedFace.Learning.Onnx;

/// <summary>
/// Writes any backbone state (a global model) as an ONNX graph with BatchNorm folded into the convolution or fully
/// connected layer before it wherever that is exact: the form a site deploys and ONNX Runtime serves (input
/// <c>input0</c> N×3×112×112, output <c>output0</c> N×embedding, not normalised; the batch dimension is dynamic).
/// </summary>
public static class BackboneOnnx
{
    public const string InputName = "input0";
    public const string OutputName = "output0";
    private const int OpsetVersion = 13;
    private const long IrVersion = 8;

    /// <param name="description">Goes into the file's metadata with the state's hash and architecture.</param>
    /// <param name="card">
    /// What the model needs (the input normalisation it was trained with; its verification threshold and how that was
    /// chosen, once measured), written into the metadata so that serving cannot mismatch it. Null for an export whose
    /// training normalisation is not known here; such a model must then be told its normalisation when served.
    /// </param>
    public static void Export(ModelState backbone, string onnxPath, string description = "", ModelCard? card = null)
    {
        ArgumentNullException.ThrowIfNull(backbone);
        BackboneArchitecture architecture = BackboneArchitecture.Of(backbone);
        using FaceBackbone layout = architecture.Create();
        BackboneState.Import(layout, backbone); // strict: names and shapes must be this network's
        var graph = new GraphProto { Name = $"fedface_{architecture.Name}" };
        graph.Input.Add(FloatValue(InputName, "batch", 3, FaceBackbone.InputSize, FaceBackbone.InputSize));
        graph.Output.Add(FloatValue(OutputName, "batch", architecture.EmbeddingSize));
        var writer = new GraphWriter(graph, backbone);
        string output = layout.InferenceSteps().Aggregate(InputName, writer.Add);
        graph.Node.Single(n => n.Output.Contains(output)).Output[0] = OutputName;

        var model = new ModelProto
        {
            IrVersion = IrVersion,
            ProducerName = "FedFace",
            ProducerVersion = typeof(BackboneOnnx).Assembly.GetName().Version?.ToString() ?? "",
            DocString = $"{architecture.Name} face embedding (BatchNorm folded where exact); input RGB 112x112 aligned to the ArcFace template",
            Graph = graph,
            OpsetImport = { new OperatorSetIdProto { Domain = "", Version = OpsetVersion } },
            MetadataProps =
            {
                new StringStringEntryProto { Key = "fedface.backbone", Value = architecture.Name },
                new StringStringEntryProto { Key = "fedface.backbone_sha256", Value = backbone.ComputeSha256Hex() },
                new StringStringEntryProto { Key = "fedface.description", Value = description },
            },
        };
        model.MetadataProps.Add((card?.ToMetadata() ?? []).Select(entry => new StringStringEntryProto { Key = entry.Key, Value = entry.Value }));
        OnnxModelFile.Write(onnxPath, model);
    }

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

    /// <summary>Appends one inference step's nodes and initializers; each Add returns the name of the step's output.</summary>
    private sealed class GraphWriter(GraphProto graph, ModelState state)
    {
        public string Add(string input, InferenceStep step) => step switch
        {
            ConvolutionStep convolution => AddConvolution(convolution, input),
            BatchNormStep batchNorm => AddBatchNorm(batchNorm.BatchNorm, input),
            ResidualStep residual => Node("Add", $"{residual.Name}/Add",
                residual.Shortcut.Aggregate(input, Add), residual.Body.Aggregate(input, Add)),
            FlattenStep => AddFlatten(input),
            FlattenLinearStep linear => AddLinear(linear, AddFlatten(input)),
            _ => throw new NotSupportedException($"no ONNX form for {step.GetType().Name}"),
        };

        private string AddConvolution(ConvolutionStep step, string input)
        {
            NamedTensor weight = state[$"{step.Convolution}.weight"];
            string bias = AddFolded(step.Convolution, step.BatchNorm, weight);
            long kernel = weight.Shape[^1];
            NodeProto conv = NodeProto("Conv", $"{step.Convolution}/Conv", input, $"{step.Convolution}.weight", bias);
            conv.Attribute.Add(Ints("kernel_shape", kernel, kernel));
            conv.Attribute.Add(Ints("strides", step.Stride, step.Stride));
            conv.Attribute.Add(Ints("pads", step.Padding, step.Padding, step.Padding, step.Padding));
            conv.Attribute.Add(Ints("dilations", 1, 1));
            conv.Attribute.Add(new AttributeProto { Name = "group", Type = AttributeProto.Types.AttributeType.Int, I = step.Groups });
            string output = conv.Output[0];
            return step.Activation switch
            {
                Activation.None => output,
                Activation.ReLU => Node("Relu", $"{step.Convolution}/Relu", output),
                Activation.ReLU6 => Node("Clip", $"{step.Convolution}/Clip", output, Constant("relu6_min", 0f), Constant("relu6_max", 6f)),
                Activation.PReLU => Node("PRelu", $"{step.Convolution}/PRelu", output, PReluSlopes(step)),
                _ => throw new ArgumentOutOfRangeException(nameof(step), step.Activation, "unknown activation"),
            };
        }

        /// <summary>Folds BatchNorm <paramref name="batchNorm"/> into the weight of <paramref name="layer"/>; returns the bias initializer.</summary>
        private string AddFolded(string layer, string batchNorm, NamedTensor weight)
        {
            (float[] folded, float[] bias) = BatchNormFolding.Fold(
                weight.Values,
                state.TryGet($"{layer}.bias", out NamedTensor layerBias) ? layerBias.Values : null,
                state[$"{batchNorm}.weight"].Values, state[$"{batchNorm}.bias"].Values,
                state[$"{batchNorm}.running_mean"].Values, state[$"{batchNorm}.running_var"].Values);
            graph.Initializer.Add(OnnxModelFile.Tensor($"{layer}.weight", weight.Shape, folded));
            graph.Initializer.Add(OnnxModelFile.Tensor($"{layer}.bias", [bias.Length], bias));
            return $"{layer}.bias";
        }

        private string AddBatchNorm(string batchNorm, string input)
        {
            string[] inputs = ["weight", "bias", "running_mean", "running_var"];
            foreach (string part in inputs)
            {
                NamedTensor tensor = state[$"{batchNorm}.{part}"];
                graph.Initializer.Add(OnnxModelFile.Tensor(tensor.Name, tensor.Shape, tensor.Values));
            }
            NodeProto node = NodeProto("BatchNormalization", $"{batchNorm}/BatchNormalization", [input, .. inputs.Select(p => $"{batchNorm}.{p}")]);
            node.Attribute.Add(new AttributeProto { Name = "epsilon", Type = AttributeProto.Types.AttributeType.Float, F = BatchNormFolding.Epsilon });
            return node.Output[0];
        }

        private string AddFlatten(string input)
        {
            NodeProto flatten = NodeProto("Flatten", "flatten/Flatten", input); // one per graph: the head of the network
            flatten.Attribute.Add(new AttributeProto { Name = "axis", Type = AttributeProto.Types.AttributeType.Int, I = 1 });
            return flatten.Output[0];
        }

        private string AddLinear(FlattenLinearStep step, string input)
        {
            string bias = AddFolded(step.Linear, step.BatchNorm, state[$"{step.Linear}.weight"]);
            NodeProto gemm = NodeProto("Gemm", $"{step.Linear}/Gemm", input, $"{step.Linear}.weight", bias);
            gemm.Attribute.Add(new AttributeProto { Name = "transB", Type = AttributeProto.Types.AttributeType.Int, I = 1 });
            return gemm.Output[0];
        }

        /// <summary>The step's per-channel slopes as a C×1×1 initializer, so they broadcast over N×C×H×W.</summary>
        private string PReluSlopes(ConvolutionStep step)
        {
            NamedTensor slopes = state[step.PReLUSlopes ?? throw new InvalidOperationException($"{step.Convolution}: a PReLU step needs its slopes")];
            graph.Initializer.Add(OnnxModelFile.Tensor(slopes.Name, [slopes.Values.Length, 1, 1], slopes.Values));
            return slopes.Name;
        }

        private string Constant(string name, float value)
        {
            if (!graph.Initializer.Any(t => t.Name == name))
            {
                graph.Initializer.Add(OnnxModelFile.Tensor(name, [], [value]));
            }
            return name;
        }

        private string Node(string op, string name, params string[] inputs) => NodeProto(op, name, inputs).Output[0];

        private NodeProto NodeProto(string op, string name, params string[] inputs)
        {
            var node = new NodeProto { Name = name, OpType = op, Input = { inputs }, Output = { name + "_output" } };
            graph.Node.Add(node);
            return node;
        }

        private static AttributeProto Ints(string name, params long[] values) =>
            new() { Name = name, Type = AttributeProto.Types.AttributeType.Ints, Ints = { values } };
    }
}
