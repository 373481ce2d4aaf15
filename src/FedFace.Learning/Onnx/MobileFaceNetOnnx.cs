using System.Text.RegularExpressions;
using FedFace.Core;
using FedFace.Learning.Backbones;
using FedFace.Learning.Onnx.Ir;

namespace FedFace.Learning.Onnx;

/// <summary>
/// A BatchNorm-folded MobileFaceNet from ONNX: foamliu's pretrained <c>mobilefacenet_foamliu.onnx</c> as well as our
/// own exports (<see cref="BackboneOnnx.Export"/>).
/// </summary>
public static partial class MobileFaceNetOnnx
{

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
        List<ConvolutionStep> steps = InferenceSteps.Convolutions(layout.InferenceSteps()).ToList();
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
