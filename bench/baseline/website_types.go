// Hand-written Go types for the Website custom resource (examples.zeroloop.dev/v1alpha1), as reconcilers/website/crd.yaml defines it.
package main

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

// GroupVersion of the Website CRD.
var GroupVersion = schema.GroupVersion{Group: "examples.zeroloop.dev", Version: "v1alpha1"}

// WebsiteSpec mirrors the CRD; the apiserver applies the CRD's defaults, specOf applies them again
// (as the TypeScript reconciler does) so an object written without them behaves the same.
type WebsiteSpec struct {
	Image    string  `json:"image,omitempty"`
	Replicas *int32  `json:"replicas,omitempty"`
	HTML     *string `json:"html,omitempty"`
	Expose   *bool   `json:"expose,omitempty"`
}

// WebsiteStatus is exactly the status the TypeScript reconciler writes.
type WebsiteStatus struct {
	ObservedGeneration *int64             `json:"observedGeneration,omitempty"`
	Replicas           int32              `json:"replicas"`
	ReadyReplicas      int32              `json:"readyReplicas"`
	URL                string             `json:"url,omitempty"`
	Conditions         []metav1.Condition `json:"conditions,omitempty"`
}

type Website struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`
	Spec              WebsiteSpec   `json:"spec"`
	Status            WebsiteStatus `json:"status,omitempty"`
}

type WebsiteList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`
	Items           []Website `json:"items"`
}

// addWebsiteTypes registers Website and WebsiteList with a scheme.
func addWebsiteTypes(scheme *runtime.Scheme) error {
	scheme.AddKnownTypes(GroupVersion, &Website{}, &WebsiteList{})
	metav1.AddToGroupVersion(scheme, GroupVersion)
	return nil
}

func (in *WebsiteStatus) DeepCopyInto(out *WebsiteStatus) {
	*out = *in
	if in.ObservedGeneration != nil {
		g := *in.ObservedGeneration
		out.ObservedGeneration = &g
	}
	if in.Conditions != nil {
		out.Conditions = make([]metav1.Condition, len(in.Conditions))
		for i := range in.Conditions {
			in.Conditions[i].DeepCopyInto(&out.Conditions[i])
		}
	}
}

func (in *WebsiteSpec) DeepCopyInto(out *WebsiteSpec) {
	*out = *in
	if in.Replicas != nil {
		r := *in.Replicas
		out.Replicas = &r
	}
	if in.HTML != nil {
		h := *in.HTML
		out.HTML = &h
	}
	if in.Expose != nil {
		e := *in.Expose
		out.Expose = &e
	}
}

func (in *Website) DeepCopyInto(out *Website) {
	*out = *in
	out.TypeMeta = in.TypeMeta
	in.ObjectMeta.DeepCopyInto(&out.ObjectMeta)
	in.Spec.DeepCopyInto(&out.Spec)
	in.Status.DeepCopyInto(&out.Status)
}

func (in *Website) DeepCopy() *Website {
	if in == nil {
		return nil
	}
	out := new(Website)
	in.DeepCopyInto(out)
	return out
}

func (in *Website) DeepCopyObject() runtime.Object { return in.DeepCopy() }

func (in *WebsiteList) DeepCopyObject() runtime.Object {
	if in == nil {
		return nil
	}
	out := new(WebsiteList)
	*out = *in
	in.ListMeta.DeepCopyInto(&out.ListMeta)
	if in.Items != nil {
		out.Items = make([]Website, len(in.Items))
		for i := range in.Items {
			in.Items[i].DeepCopyInto(&out.Items[i])
		}
	}
	return out
}
