// The Website's children (ConfigMap, Deployment, Service) as mutate functions for controllerutil.CreateOrUpdate.
package main

import (
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/utils/ptr"
)

const htmlRoot = "/usr/share/nginx/html"

// The mutate functions set only the fields the Website decides and keep what the apiserver
// defaulted, so CreateOrUpdate sees no difference (and sends no Update) once a child is current.
// Values the apiserver would default inside a list the Website replaces (port protocol, volume
// mode) are written out, for the same reason.

func childLabels(w *Website) map[string]string {
	return map[string]string{"app.kubernetes.io/name": "website", "app.kubernetes.io/instance": w.Name}
}

func withLabels(have map[string]string, want map[string]string) map[string]string {
	if have == nil {
		have = make(map[string]string, len(want))
	}
	for k, v := range want {
		have[k] = v
	}
	return have
}

func htmlName(w *Website) string { return w.Name + "-html" }

func mutateConfigMap(cm *corev1.ConfigMap, w *Website, spec websiteSpec) {
	cm.Labels = withLabels(cm.Labels, childLabels(w))
	cm.Data = map[string]string{"index.html": *spec.HTML}
}

func mutateDeployment(d *appsv1.Deployment, w *Website, spec websiteSpec) {
	d.Labels = withLabels(d.Labels, childLabels(w))
	d.Spec.Replicas = ptr.To(spec.Replicas)
	if d.Spec.Selector == nil { // immutable once created
		d.Spec.Selector = &metav1.LabelSelector{MatchLabels: childLabels(w)}
	}
	d.Spec.Template.Labels = withLabels(d.Spec.Template.Labels, childLabels(w))
	pod := &d.Spec.Template.Spec
	web := container(pod, "web")
	web.Image = spec.Image
	web.Ports = []corev1.ContainerPort{{Name: "http", ContainerPort: 80, Protocol: corev1.ProtocolTCP}}
	if web.ReadinessProbe == nil {
		web.ReadinessProbe = &corev1.Probe{}
	}
	if web.ReadinessProbe.HTTPGet == nil {
		web.ReadinessProbe.ProbeHandler = corev1.ProbeHandler{HTTPGet: &corev1.HTTPGetAction{}}
	}
	web.ReadinessProbe.HTTPGet.Path = "/"
	web.ReadinessProbe.HTTPGet.Port = intstr.FromString("http")
	if spec.HTML == nil {
		web.VolumeMounts = nil
		pod.Volumes = nil
		return
	}
	web.VolumeMounts = []corev1.VolumeMount{{Name: "html", MountPath: htmlRoot, ReadOnly: true}}
	pod.Volumes = []corev1.Volume{{
		Name: "html",
		VolumeSource: corev1.VolumeSource{ConfigMap: &corev1.ConfigMapVolumeSource{
			LocalObjectReference: corev1.LocalObjectReference{Name: htmlName(w)},
			DefaultMode:          ptr.To(corev1.ConfigMapVolumeSourceDefaultMode),
		}},
	}}
}

// container returns the pod's container `name`, adding it when missing.
func container(pod *corev1.PodSpec, name string) *corev1.Container {
	for i := range pod.Containers {
		if pod.Containers[i].Name == name {
			return &pod.Containers[i]
		}
	}
	pod.Containers = append(pod.Containers, corev1.Container{Name: name})
	return &pod.Containers[len(pod.Containers)-1]
}

func mutateService(s *corev1.Service, w *Website) {
	s.Labels = withLabels(s.Labels, childLabels(w))
	s.Spec.Selector = childLabels(w)
	s.Spec.Ports = []corev1.ServicePort{{
		Name:       "http",
		Port:       80,
		TargetPort: intstr.FromString("http"),
		Protocol:   corev1.ProtocolTCP,
	}}
}
