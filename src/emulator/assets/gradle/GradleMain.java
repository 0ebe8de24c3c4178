// The launcher of the emulator's test Gradle distribution (gradle-dists/...-bin.zip): the Gradle
// wrapper unzips the distribution and calls org.gradle.launcher.GradleMain from
// lib/gradle-launcher-*.jar. This one only says that it ran. Built with `javac --release 8`.
package org.gradle.launcher;

public class GradleMain {
    public static void main(String[] args) {
        System.out.println("nexus-token test distribution ran: gradle " + String.join(" ", args));
    }
}
