using FedFace.DevelopmentData;
using FedFace.Learning.Backbones;
using FedFace.Learning.Onnx;
using FedFace.Learning.Onnx.Ir;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace FedFace.Learning.Tests;

public sealed class MobileFaceNetTests
{
    private static readonly Lazy<GraphProto> s_onnx = new(() => OnnxModelFile.Read(SharedData.MobileFaceNetOnnx).Graph);

    private static Dictionary<string, TensorProto> Initializers(GraphProto graph) => graph.Initializer.ToDictionary(t => t.Name);

    private static long[] Ints(NodeProto node, string attribute) => [.. node.Attribute.Single(a => a.Name == attribute).Ints];

    private static string PathOf(NodeProto node) => MobileFaceNetOnnx.ModulePath(node.Name)!;

    [Fact]
    public void Forward_maps_a_batch_of_faces_to_128_d_embeddings()
    {
        using var net = new MobileFaceNet(seed: 1);
        net.eval();
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        Tensor output = net.call(randn(3, 3, 112, 112));
        Assert.Equal(new long[] { 3, BackboneArchitecture.MobileFaceNet.EmbeddingSize }, output.shape);
    }

    [Fact]
    public void Every_onnx_convolution_has_our_convolution_of_the_same_shape_and_geometry_in_the_same_order()
    {
        GraphProto onnx = s_onnx.Value;
        using var net = new MobileFaceNet();
        Dictionary<string, Conv2d> ours = Modules<Conv2d>(net);
        var onnxConvs = onnx.Node.Where(n => n.OpType == "Conv").ToList();
        // Our state order (TorchSharp's named_parameters: depth-first, fields in declaration order) follows the graph.
        string[] oursInStateOrder = net.named_parameters()
            .Select(p => p.name[..p.name.LastIndexOf('.')])
            .Distinct()
            .Where(ours.ContainsKey)
            .ToArray();

        Assert.Equal(onnxConvs.Select(PathOf), oursInStateOrder);
        foreach (NodeProto node in onnxConvs)
        {
            Conv2d conv = ours[PathOf(node)];
            Assert.Equal(Initializers(onnx)[node.Input[1]].Dims, conv.weight!.shape);
            Assert.Equal(Ints(node, "strides"), conv.stride);
            Assert.Equal(node.Attribute.Single(a => a.Name == "group").I, conv.groups);
            Assert.Equal(Ints(node, "pads")[..2], conv.padding);
        }
    }

    [Fact]
    public void The_inference_steps_describe_our_convolutions_as_they_are()
    {
        using var net = new MobileFaceNet();
        Dictionary<string, Conv2d> ours = Modules<Conv2d>(net);
        Dictionary<string, BatchNorm2d> norms = Modules<BatchNorm2d>(net);
        var steps = InferenceSteps.Convolutions(net.InferenceSteps()).ToList();

        Assert.Equal(ours.Keys.Order(), steps.Select(s => s.Convolution).Order());
        Assert.Equal(norms.Keys.Order(), steps.Select(s => s.BatchNorm).Order());
        foreach (ConvolutionStep step in steps)
        {
            Conv2d conv = ours[step.Convolution];
            Assert.Equal([step.Stride, step.Stride], conv.stride);
            Assert.Equal([step.Padding, step.Padding], conv.padding!);
            Assert.Equal(step.Groups, conv.groups);
        }
        Assert.Equal(12, net.InferenceSteps().OfType<ResidualStep>().Count());
    }

    [Fact]
    public void Each_folded_onnx_bias_is_our_BatchNorm_after_that_convolution()
    {
        GraphProto onnx = s_onnx.Value;
        using var net = new MobileFaceNet();
        Dictionary<string, BatchNorm2d> norms = Modules<BatchNorm2d>(net);
        var batchNormAfter = InferenceSteps.Convolutions(net.InferenceSteps())
            .ToDictionary(s => s.Convolution, s => s.BatchNorm);
        var folded = new List<string>();
        foreach (NodeProto node in onnx.Node.Where(n => n.OpType == "Conv"))
        {
            string bn = batchNormAfter[PathOf(node)];
            Assert.Equal(Initializers(onnx)[node.Input[2]].Dims, norms[bn].weight!.shape);
            folded.Add(bn);
        }
        Assert.Equal(norms.Keys.Order(), folded.Order()); // every BatchNorm is accounted for, once
    }

    [Fact]
    public void Activations_and_residual_adds_sit_where_the_onnx_graph_has_them()
    {
        GraphProto onnx = s_onnx.Value;
        using var net = new MobileFaceNet();
        string[] PathsOf(string op) => onnx.Node.Where(n => n.OpType == op).Select(PathOf).Distinct().ToArray();

        Assert.Equal(PathsOf("Clip").Order(), Modules<ReLU6>(net).Keys.Order());  // Clip(0, 6) is ReLU6
        Assert.Equal(PathsOf("Relu").Order(), Modules<ReLU>(net).Keys.Order());   // only dw_conv uses a plain ReLU (twice)
        Assert.Equal(["dw_conv.relu"], PathsOf("Relu"));
        Assert.Equal(PathsOf("Add").Order(), Modules<InvertedResidual>(net).Where(m => m.Value.UsesResidual).Select(m => m.Key).Order());
        Assert.Equal(12, PathsOf("Add").Length); // 15 bottlenecks, the 3 that downsample have no shortcut
        Dictionary<string, float> constants = onnx.Node
            .Where(n => n.OpType == "Constant" && n.Attribute.Any(a => a.Name == "value" && a.T?.DataType == 1))
            .ToDictionary(n => n.Output[0], n => OnnxModelFile.Floats(n.Attribute.Single(a => a.Name == "value").T).Single());
        Assert.All(onnx.Node.Where(n => n.OpType == "Clip"), clip => Assert.Equal([0f, 6f], clip.Input.Skip(1).Select(i => constants[i])));
    }

    [Fact]
    public void Parameter_count_reconciles_with_the_folded_onnx_weights()
    {
        GraphProto onnx = s_onnx.Value;
        var floats = onnx.Initializer.Where(i => i.DataType == 1).ToList();
        long onnxConvWeights = floats.Where(i => i.Dims.Count == 4).Sum(i => OnnxModelFile.Floats(i).LongLength);
        long onnxBiases = floats.Where(i => i.Dims.Count == 1).Sum(i => OnnxModelFile.Floats(i).LongLength);
        Assert.Equal(989_952, onnxConvWeights + onnxBiases);
        Assert.Equal(980_096, onnxConvWeights);
        Assert.Equal(9_856, onnxBiases); // one bias per BatchNorm channel: 9,856 BN channels in all

        using var net = new MobileFaceNet();
        long trainable = net.parameters().Sum(p => p.numel());
        long runningStatistics = net.named_buffers().Where(b => b.name.EndsWith("running_mean") || b.name.EndsWith("running_var")).Sum(b => b.buffer.numel());
        // Unfolded: the same conv weights, BN γ and β per channel, conv3's own bias (a BN follows it, as in foamliu's
        // source), and BN running mean and variance per channel.
        Assert.Equal(onnxConvWeights + 2 * onnxBiases + 128, trainable);   // 999,936
        Assert.Equal(2 * onnxBiases, runningStatistics);                    // 19,712
        Assert.Equal(trainable + runningStatistics, BackboneState.Export(net).ParameterCount); // 1,019,648
    }

    /// <summary>Modules of one type by path (TorchSharp lists modules breadth-first, so this is not state order).</summary>
    private static Dictionary<string, T> Modules<T>(nn.Module net) where T : nn.Module =>
        net.named_modules().Where(m => m.module is T).ToDictionary(m => m.name, m => (T)m.module);
}
