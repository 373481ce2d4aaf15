using FedFace.Core;
using FedFace.Learning.Backbones;

namespace FedFace.Learning.Tests;

/// <summary>
/// Loads the pretrained, BN-folded ONNX weights into our unfolded layout, so the architecture can be checked by
/// what it computes: each ONNX convolution's weight goes to our convolution, its bias to the BatchNorm after it,
/// and that BatchNorm becomes the identity (γ = 1, mean = 0, var = 1 − ε, so (x − 0) / √(var + ε) = x).
/// </summary>
internal static class FoldedOnnxWeights
{
    private const float BatchNormEpsilon = 1e-5f;

    public static ModelState ToBackboneState(OnnxGraph onnx)
    {
        using var net = new MobileFaceNet();
        var values = BackboneState.Export(net).Tensors.ToDictionary(t => t.Name, t => t);
        foreach (OnnxGraph.Node node in onnx.Nodes.Where(n => n.Op == "Conv"))
        {
            string conv = MobileFaceNetLayout.ModulePath(node.Name);
            string bn = MobileFaceNetLayout.BatchNormAfter(conv);
            Set($"{conv}.weight", onnx.Initializers[node.Inputs[1]].Values);
            float[] bias = onnx.Initializers[node.Inputs[2]].Values;
            Set($"{bn}.weight", Filled(bias.Length, 1f));
            Set($"{bn}.bias", bias);
            Set($"{bn}.running_mean", Filled(bias.Length, 0f));
            Set($"{bn}.running_var", Filled(bias.Length, 1f - BatchNormEpsilon));
            if (values.ContainsKey($"{conv}.bias"))
            {
                Set($"{conv}.bias", Filled(bias.Length, 0f)); // conv3's own bias: all of it now lives in the BN
            }
        }
        return new ModelState(values.Values.Select(t => t)); // insertion order = our state order

        void Set(string name, float[] data)
        {
            NamedTensor current = values[name];
            values[name] = new NamedTensor(name, current.Shape, data);
        }
    }

    private static float[] Filled(int length, float value) => Enumerable.Repeat(value, length).ToArray();
}
